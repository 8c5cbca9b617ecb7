"""Store: the data-key table and the holder identities, as SQL (no decryption here, but it hands out
wrapped keys and sealed values: only the issuer imports it, like the rest of :mod:`registry.identity.sealing`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Final

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from registry.bulk import insert_records
from registry.identity.sealing.datakeys import WrappedDataKey
from registry.models import DataKeyRow, HolderIdentity

IDENTITY_COLUMNS: Final = ("id", "document_type", "number_sealed", "index_digest", "masked", "gender", "created_at")


def _wrapped(row: DataKeyRow) -> WrappedDataKey:
    return WrappedDataKey(dk_id=row.dk_id, kek_id=row.kek_id, wrapped=row.wrapped, created_on=row.created_on)


async def count_data_keys(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(DataKeyRow)) or 0)


async def wrapped_keys(session: AsyncSession, dk_ids: Sequence[str] | None = None) -> list[WrappedDataKey]:
    """The stored data keys (all, or those of ``dk_ids``), still wrapped."""
    query = select(DataKeyRow).order_by(DataKeyRow.dk_id)
    if dk_ids is not None:
        query = query.where(DataKeyRow.dk_id.in_(sorted(set(dk_ids))))
    return [_wrapped(row) for row in await session.scalars(query)]


async def usable_key(session: AsyncSession, today: date, max_rows: int) -> tuple[WrappedDataKey, int] | None:
    """A key made ``today`` with room left, and how many values it sealed (the fullest first, so a day's
    keys fill one after another)."""
    row = await session.scalar(
        select(DataKeyRow)
        .where(DataKeyRow.created_on == today, DataKeyRow.sealed_count < max_rows)
        .order_by(DataKeyRow.sealed_count.desc(), DataKeyRow.dk_id)
        .limit(1)
    )
    return None if row is None else (_wrapped(row), row.sealed_count)


async def store_data_key(session: AsyncSession, key: WrappedDataKey) -> None:
    session.add(
        DataKeyRow(dk_id=key.dk_id, kek_id=key.kek_id, wrapped=key.wrapped, created_on=key.created_on, sealed_count=0)
    )
    await session.flush()


async def count_sealed(session: AsyncSession, dk_id: str, count: int) -> None:
    """Add ``count`` to the values sealed under ``dk_id`` (an increment, so concurrent sealers add up)."""
    await session.execute(
        update(DataKeyRow).where(DataKeyRow.dk_id == dk_id).values(sealed_count=DataKeyRow.sealed_count + count)
    )


async def replace_wrapped(session: AsyncSession, keys: Sequence[WrappedDataKey]) -> None:
    """Store re-wrapped data keys (a KEK rotation): each row keeps its id and day, gets the new wrap."""
    for key in keys:
        await session.execute(
            update(DataKeyRow).where(DataKeyRow.dk_id == key.dk_id).values(kek_id=key.kek_id, wrapped=key.wrapped)
        )


async def insert_identities(session: AsyncSession, records: Sequence[Sequence[Any]]) -> None:
    """Insert holder identities (tuples in :data:`IDENTITY_COLUMNS` order)."""
    await insert_records(session, HolderIdentity, IDENTITY_COLUMNS, records)


async def get_identity(session: AsyncSession, identity_id: str) -> HolderIdentity | None:
    return await session.get(HolderIdentity, identity_id)
