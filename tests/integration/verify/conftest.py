"""Fixtures of the read-path tests: the four-certificate world on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from registry.db import Database
from tests.integration.verify.world import World, build_world
from tests.support import empty_tables


@pytest.fixture
async def world(database: Database, tmp_path: Path) -> World:
    return await build_world(database, tmp_path / "keys")


@pytest.fixture
async def file_world(sqlite_url: str, tmp_path: Path) -> AsyncIterator[World]:
    """The world in this worker's SQLite file, for tests that serve it from other processes."""
    database = Database(sqlite_url)
    await empty_tables(database)
    try:
        yield await build_world(database, tmp_path / "keys")
    finally:
        await empty_tables(database)
        await database.dispose()
