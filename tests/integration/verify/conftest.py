"""Fixtures of the read-path tests: the four-certificate world on SQLite and PostgreSQL.

``pg_url`` is overridden with a database name of this test directory's own, checkout and worker: the shared
one (``certreg_test_<worker>`` on this branch's base) is dropped and re-created by every test session on the
machine, including sessions of other worktrees running at the same time. (Main has since named the shared
one per checkout too; this override can go when the branches meet.)
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from registry.db import Database
from tests.conftest import (
    PG_ADMIN_URL,
    _drop_pg_database,
    _empty_tables,
    _migrate,
    _recreate_pg_database,
    require_service,
    worker_id,
)
from tests.integration.verify.world import World, build_world


@pytest.fixture(scope="session")
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    require_service("PostgreSQL", PG_ADMIN_URL)
    checkout = hashlib.sha256(str(request.config.rootpath).encode()).hexdigest()[:6]
    name = f"certreg_test_verify_{checkout}_{worker_id(request.config)}"
    url = asyncio.run(_recreate_pg_database(name))
    asyncio.run(_migrate(url))
    yield url
    asyncio.run(_drop_pg_database(name))


@pytest.fixture
async def world(database: Database, tmp_path: Path) -> World:
    return await build_world(database, tmp_path / "keys")


@pytest.fixture
async def file_world(sqlite_url: str, tmp_path: Path) -> AsyncIterator[World]:
    """The world in this worker's SQLite file, for tests that serve it from other processes."""
    database = Database(sqlite_url)
    await _empty_tables(database)
    try:
        yield await build_world(database, tmp_path / "keys")
    finally:
        await _empty_tables(database)
        await database.dispose()
