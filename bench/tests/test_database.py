"""The benches never drop or write into a database they did not create (bench/database.py, issue 12).

Bench's own tests (bench may import tests; tests never import bench); ``make test`` runs them too."""

from __future__ import annotations

import asyncio
import os

import pytest

from bench.database import (
    REGISTRY_MARK,
    BenchDatabaseError,
    ScratchDatabase,
    database_mark,
    free_port,
    reusable_database,
)
from tests.conftest import PG_ADMIN_URL, require_service
from tests.support import create_pg_database, drop_pg_database


@pytest.fixture
def names() -> list[str]:
    require_service("PostgreSQL", PG_ADMIN_URL)
    return [f"certreg_benchtest_{os.getpid()}_{i}" for i in range(2)]


def test_a_scratch_database_is_created_marked_and_dropped_by_its_maker(names: list[str]) -> None:
    async def scenario() -> tuple[str | None, str | None]:
        scratch = ScratchDatabase(PG_ADMIN_URL, names[0])
        await scratch.create()
        made = await database_mark(PG_ADMIN_URL, names[0])
        await scratch.drop()
        return made, await database_mark(PG_ADMIN_URL, names[0])

    made, after = asyncio.run(scenario())
    assert made is not None
    assert made.startswith("certreg-bench scratch")
    assert after is None


def test_a_bench_refuses_an_existing_name_and_never_drops_it(names: list[str]) -> None:
    async def scenario() -> str | None:
        await create_pg_database(PG_ADMIN_URL, names[1])
        try:
            scratch = ScratchDatabase(PG_ADMIN_URL, names[1])
            with pytest.raises(BenchDatabaseError, match="did not create"):
                await scratch.create()
            await scratch.drop()  # not made by it: a no-op
            with pytest.raises(BenchDatabaseError, match="not a bench registry"):
                await reusable_database(PG_ADMIN_URL, names[1])
            return await database_mark(PG_ADMIN_URL, names[1])
        finally:
            await drop_pg_database(PG_ADMIN_URL, names[1])

    assert asyncio.run(scenario()) == ""


def test_a_bench_registry_is_made_once_then_reused(names: list[str]) -> None:
    async def scenario() -> tuple[bool, bool, str | None]:
        try:
            _, first = await reusable_database(PG_ADMIN_URL, names[0])
            _, second = await reusable_database(PG_ADMIN_URL, names[0])
            return first, second, await database_mark(PG_ADMIN_URL, names[0])
        finally:
            await drop_pg_database(PG_ADMIN_URL, names[0])

    assert asyncio.run(scenario()) == (True, False, REGISTRY_MARK)


def test_names_that_are_not_plain_identifiers_are_refused() -> None:
    with pytest.raises(BenchDatabaseError):
        ScratchDatabase(PG_ADMIN_URL, 'x"; DROP DATABASE postgres; --')


def test_a_free_port_is_picked_unless_one_is_asked_for() -> None:
    assert free_port(18999) == 18999
    assert 1024 <= free_port() <= 65535
