"""Sequence allocation: in order, never twice, never a gap, overflow stops before anything is taken."""

from __future__ import annotations

import asyncio

import pytest

from registry.db import Database
from registry.errors import SequenceOverflowError
from registry.sequences import allocate, peek


async def test_numbers_are_consecutive_per_scope(database: Database) -> None:
    async with database.transaction() as session:
        assert await allocate(session, "S:a:25:3", 3, max_value=999_999) == range(1, 4)
        assert await allocate(session, "S:a:25:3", 2, max_value=999_999) == range(4, 6)
        assert await allocate(session, "S:a:25:4", 1, max_value=999_999) == range(1, 2)
    async with database.reader() as session:
        assert await peek(session, "S:a:25:3") == 6
        assert await peek(session, "never-used") == 1


async def test_a_rolled_back_batch_gives_its_numbers_back(database: Database) -> None:
    class Boom(Exception):
        """Raised inside the transaction to roll it back."""

    with pytest.raises(Boom):
        async with database.transaction() as session:
            await allocate(session, "scope", 10, max_value=99)
            raise Boom
    async with database.transaction() as session:
        assert await allocate(session, "scope", 1, max_value=99) == range(1, 2)


async def test_overflow_raises_and_takes_nothing(database: Database) -> None:
    async with database.transaction() as session:
        await allocate(session, "small", 8, max_value=9)
    with pytest.raises(SequenceOverflowError, match="2 numbers asked, 1 left"):
        async with database.transaction() as session:
            await allocate(session, "small", 2, max_value=9)
    async with database.transaction() as session:
        assert await allocate(session, "small", 1, max_value=9) == range(9, 10)


async def test_zero_count_is_refused(database: Database) -> None:
    async with database.transaction() as session:
        with pytest.raises(ValueError, match="at least 1"):
            await allocate(session, "x", 0, max_value=9)


@pytest.mark.postgres
@pytest.mark.slow
async def test_eight_concurrent_allocators_get_1200_distinct_gap_free_numbers(pg_url: str) -> None:
    """8 allocators × 150 numbers, each in its own transaction and connection, racing on one scope."""
    database = Database(pg_url, pool_size=8)
    scope = "concurrency-proof"
    try:

        async def allocator(worker: int) -> list[int]:
            got: list[int] = []
            for i in range(150):
                async with database.transaction() as session:
                    got.extend(await allocate(session, scope, 1, max_value=999_999))
                    if i % 15 == worker:  # let the other allocators interleave inside transactions
                        await asyncio.sleep(0)
            return got

        results = await asyncio.gather(*(allocator(w) for w in range(8)))
        numbers = [n for result in results for n in result]
        assert len(numbers) == 1200
        assert sorted(numbers) == list(range(1, 1201))
        assert all(result == sorted(result) for result in results)  # each allocator sees increasing numbers
    finally:
        async with database.transaction() as session:
            from sqlalchemy import delete

            from registry.models import SequenceCounter

            await session.execute(delete(SequenceCounter).where(SequenceCounter.scope == scope))
        await database.dispose()
