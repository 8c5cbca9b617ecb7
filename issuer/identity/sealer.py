"""Sealing holders' document numbers as they enter the registry (upload rows, imported certificates).

Each checked document becomes one ``holder_identity`` row: the number sealed under the day's data key
(``docs/identity.md``: a new key each province day and after ``DataKeyPolicy.max_rows`` values), bound to
``holder:<id>`` and its type; the keyed index; the mask; the gender the number implies. Runs in the
caller's transaction, so the rows that point at the identities commit with them or not at all.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any, Final, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from issuer.identity.kek import kek_for_sealing
from registry.config import Settings
from registry.identity.index import holder_digest
from registry.identity.sealing.datakeys import DataKey, DataKeyPolicy
from registry.identity.sealing.envelope import seal_document_number
from registry.identity.sealing.ring import DataKeyRing
from registry.identity.sealing.store import count_sealed, insert_identities, store_data_key, usable_key
from registry.rules.documents import HolderDocument, implied_gender

DEFAULT_POLICY = DataKeyPolicy()


def identity_binding(identity_id: str) -> str:
    """The row a sealed number is bound to (part of its associated data)."""
    return f"holder:{identity_id}"


#: What ``uuid.UUID(..., version=4)`` clears and sets in 128 random bits: the variant (RFC 4122) and the version.
_UUID4_CLEAR: Final = ~((0xC000 << 48) | (0xF000 << 64))
_UUID4_SET: Final = (0x8000 << 48) | (4 << 76)


def new_identity_ids(count: int) -> list[str]:
    """``count`` new identity ids: random version-4 UUIDs as 32 hex digits, what ``uuid.uuid4().hex`` makes,
    from one read of the operating system's generator for all of them (``uuid4`` reads it once per id and
    builds a ``UUID``: 2 us an id against 0.5, a tenth of sealing one in a legacy import)."""
    raw = os.urandom(16 * count)
    return [
        f"{(int.from_bytes(raw[at : at + 16]) & _UUID4_CLEAR) | _UUID4_SET:032x}" for at in range(0, 16 * count, 16)
    ]


def seal_all(
    key: DataKey, documents: Sequence[HolderDocument], secret: bytes, now: datetime
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Each document sealed under ``key`` as a new identity: their ids, and the rows to insert
    (``IDENTITY_COLUMNS`` order). Pure CPU: the legacy import runs it in its worker processes."""
    ids, records = [], []
    for document, identity_id in zip(documents, new_identity_ids(len(documents)), strict=True):
        sealed = seal_document_number(key, document.document_type, document.number, row=identity_binding(identity_id))
        gender = implied_gender(document.document_type, document.number)
        records.append(
            (
                identity_id,
                document.document_type.value,
                sealed,
                holder_digest(secret, document),
                document.masked,
                gender,
                now,
            )
        )
        ids.append(identity_id)
    return ids, records


async def seal_documents(
    session: AsyncSession,
    settings: Settings,
    documents: Sequence[HolderDocument | None],
    *,
    today: date,
    policy: DataKeyPolicy = DEFAULT_POLICY,
) -> list[str | None]:
    """Store each document as a sealed identity; returns their ids (``None`` where the document is)."""
    ids: list[str | None] = [None] * len(documents)
    wanted = [at for at, document in enumerate(documents) if document is not None]
    if not wanted:
        return ids
    ring = DataKeyRing(await kek_for_sealing(session, settings))
    secret, now = settings.keys.id_hash_secret(), datetime.now(UTC)
    done = 0
    while done < len(wanted):
        found = await usable_key(session, today, policy.max_rows)
        if found is None:
            wrapped, used = ring.new_key(created_on=today), 0
            await store_data_key(session, wrapped)
        else:
            (wrapped, used) = found
            ring.add(wrapped)
            ring.use(wrapped.dk_id)
        take = wanted[done : done + policy.max_rows - used]
        chunk = [documents[at] for at in take]
        made, records = await asyncio.to_thread(seal_all, ring.active, [d for d in chunk if d is not None], secret, now)
        await insert_identities(session, records)
        await count_sealed(session, wrapped.dk_id, len(take))
        for at, identity_id in zip(take, made, strict=True):
            ids[at] = identity_id
        done += len(take)
    return ids


class _SealableRow(Protocol):
    document: HolderDocument | None
    holder_identity_id: str | None


async def seal_rows(session: AsyncSession, settings: Settings, rows: Sequence[_SealableRow], *, today: date) -> None:
    """Seal the document of every upload row that has a valid one, set its ``holder_identity_id``, and
    forget the clear document."""
    ids = await seal_documents(session, settings, [row.document for row in rows], today=today)
    for row, identity_id in zip(rows, ids, strict=True):
        row.holder_identity_id, row.document = identity_id, None
