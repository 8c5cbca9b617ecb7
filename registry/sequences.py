"""Allocation of certificate sequence numbers: in order, never twice, never a gap (NUMBERING.md §2–3).

One counter row per sequence scope, incremented by ``UPDATE … RETURNING`` inside the issuing transaction.
The row lock serialises concurrent issuers of the same scope until they commit; a rolled-back batch gives
its numbers back because the increment rolls back with it. An allocation that would pass the scope's
maximum changes nothing and raises, so a batch stops before anything is issued.
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from registry.errors import SequenceOverflowError
from registry.models import SequenceCounter


async def allocate(session: AsyncSession, scope: str, count: int, *, max_value: int) -> range:
    """Reserve ``count`` consecutive sequence numbers of ``scope``; returns them as a range.

    Raises :class:`SequenceOverflowError` when the last one would exceed ``max_value``; ``ValueError`` for a
    non-positive ``count``.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(
        insert(SequenceCounter).values(scope=scope, next_value=1).on_conflict_do_nothing(index_elements=["scope"])
    )
    result = await session.execute(
        update(SequenceCounter)
        .where(SequenceCounter.scope == scope, SequenceCounter.next_value + count - 1 <= max_value)
        .values(next_value=SequenceCounter.next_value + count)
        .returning(SequenceCounter.next_value)
    )
    after = result.scalar_one_or_none()
    if after is None:
        used = await session.scalar(select(SequenceCounter.next_value).where(SequenceCounter.scope == scope))
        left = max_value - (used or 1) + 1
        raise SequenceOverflowError(
            f"编号序列已满 / sequence {scope} would overflow: {count} numbers asked, {left} left "
            f"(maximum {max_value}); nothing was issued"
        )
    return range(after - count, after)


async def peek(session: AsyncSession, scope: str) -> int:
    """The next number ``scope`` would hand out (1 for a scope never used)."""
    value = await session.scalar(select(SequenceCounter.next_value).where(SequenceCounter.scope == scope))
    return value or 1


async def raise_floors(session: AsyncSession, floors: dict[str, int]) -> None:
    """Raise each counter of ``floors`` to at least its value (imported numbers: a new number never equals
    one, NUMBERING.md "Certificates issued before the registry"); counters already above stay as they are."""
    if not floors:
        return
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    biggest = func.greatest if dialect == "postgresql" else func.max
    for scope, floor in sorted(floors.items()):
        statement = insert(SequenceCounter).values(scope=scope, next_value=floor)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["scope"],
                set_={"next_value": biggest(SequenceCounter.next_value, statement.excluded.next_value)},
            )
        )
