"""Storing certificates' credentials and the authorities' status lists (docs/credentials.md, "Phase 2").

The signing happens on the issuer side (it holds the private keys); this module only writes and reads the
rows, in the caller's transaction. A credential is written once, with the event that commits to its
SHA-256 (``certificate.issued`` at issue, :data:`EventKind.CERTIFICATE_CREDENTIAL` when signed later). A
status list row is locked (``FOR UPDATE``), its bit set and its signed credential replaced in the very
transaction that revokes or supersedes the certificate, so the list a verifier fetches changes when the
status does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Final

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.bulk import insert_records
from registry.credentials.status_list import StatusPosition, status_position
from registry.events import EventKind, NewEvent, append_events
from registry.models import CertificateCredential, StatusList

#: The largest status value of an authority: far beyond any registry (2⁴⁰ certificates).
MAX_STATUS_VALUE: Final = 2**40


class NewCredential(msgspec.Struct, frozen=True, kw_only=True):
    """A signed credential ready to be stored beside its certificate (``data``: the exact signed bytes)."""

    number: str
    authority_code: str
    status_value: int
    kid: str
    data: bytes

    @property
    def position(self) -> StatusPosition:
        return status_position(self.status_value)


def credential_details(credential: NewCredential) -> dict[str, str | int | bytes | bool | None]:
    """What an event records of a credential: the hash of its bytes, its status value and its key."""
    return {
        "credential_sha256": hashlib.sha256(credential.data).digest(),
        "status": credential.status_value,
        "credential_kid": credential.kid,
    }


async def store_credentials(
    session: AsyncSession, credentials: Sequence[NewCredential], log_indices: Sequence[int], *, at: datetime
) -> None:
    """Insert ``credentials``, each committed to by the event at the matching ``log_indices``. No foreign key
    checks what they refer to (migration 0013): callers run ``registry.certificates.
    require_credential_references`` first."""
    records = []
    for credential, index in zip(credentials, log_indices, strict=True):
        position = credential.position
        records.append(
            (
                credential.number,
                credential.authority_code,
                credential.status_value,
                position.list_number,
                position.index,
                credential.kid,
                credential.data,
                index,
                at,
            )
        )
    await insert_records(session, CertificateCredential, _COLUMNS, records)


_COLUMNS: Final = (
    "number",
    "authority_code",
    "status_value",
    "status_list",
    "status_index",
    "kid",
    "credential",
    "log_index",
    "created_at",
)


async def store_signed_later(
    session: AsyncSession, credentials: Sequence[NewCredential], *, actor: str, at: datetime
) -> range:
    """Store credentials of certificates issued before credentials existed (the backfill), each with its own
    ``certificate.credential`` event; returns the events' leaf indices."""
    events = [
        NewEvent(
            kind=EventKind.CERTIFICATE_CREDENTIAL,
            subject=credential.number,
            actor=actor,
            details=credential_details(credential),
            at=at,
        )
        for credential in credentials
    ]
    indices = await append_events(session, events)
    await store_credentials(session, credentials, indices, at=at)
    return indices


async def credential_of(session: AsyncSession, number: str) -> CertificateCredential | None:
    """The stored credential of certificate ``number``, if it has one."""
    return await session.get(CertificateCredential, number)


async def existing_lists(session: AsyncSession, authority_code: str, list_numbers: Sequence[int]) -> set[int]:
    """Which of ``list_numbers`` of ``authority_code`` have a stored status list."""
    rows = await session.scalars(
        select(StatusList.list_number).where(
            StatusList.authority_code == authority_code, StatusList.list_number.in_(list_numbers)
        )
    )
    return set(rows)


async def lock_status_list(session: AsyncSession, authority_code: str, list_number: int) -> StatusList | None:
    """The status list row, locked until the transaction ends (two revocations of one list serialise)."""
    return await session.scalar(
        select(StatusList)
        .where(StatusList.authority_code == authority_code, StatusList.list_number == list_number)
        .with_for_update()
    )


async def status_list_credential(session: AsyncSession, authority_code: str, list_number: int) -> bytes | None:
    """The signed status list credential of a list, as stored."""
    return await session.scalar(
        select(StatusList.credential).where(
            StatusList.authority_code == authority_code, StatusList.list_number == list_number
        )
    )
