"""Fixtures of the read-path tests: the four-certificate world on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from registry.db import Database
from tests.conftest import PG_ADMIN_URL, require_service, run_id
from tests.integration.verify.world import World, build_world
from tests.support import drop_pg_database, migrated_pg_database, scratch_database


@pytest.fixture
async def world(database: Database, tmp_path: Path) -> World:
    return await build_world(database, tmp_path / "keys")


@pytest.fixture
async def file_world(sqlite_url: str, tmp_path: Path) -> AsyncIterator[World]:
    """The world in this worker's SQLite file, for tests that serve it from other processes."""
    async with scratch_database(sqlite_url) as database:
        yield await build_world(database, tmp_path / "keys")


@pytest.fixture
async def pg_world(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[World]:
    require_service("PostgreSQL", PG_ADMIN_URL)
    name = f"certreg_verify_down_{run_id(request.config)}"
    url = await migrated_pg_database(PG_ADMIN_URL, name)
    database = Database(url)
    try:
        yield await build_world(database, tmp_path / "keys")
    finally:
        await database.dispose()
        await rename_database(f"{name}_down", name, missing_ok=True)
        await drop_pg_database(PG_ADMIN_URL, name)


async def rename_database(old: str, new: str, *, missing_ok: bool = False) -> None:
    """Terminate every session on ``old`` and rename it (retried: the app may reconnect in between)."""
    admin = create_async_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            exists = await conn.scalar(text("SELECT count(*) FROM pg_database WHERE datname = :n"), {"n": old})
            if not exists and missing_ok:
                return
            for _ in range(50):
                await conn.execute(
                    text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": old}
                )
                try:
                    await conn.execute(text(f'ALTER DATABASE "{old}" RENAME TO "{new}"'))
                except Exception as exc:  # noqa: BLE001 - "being accessed by other users": try again
                    last = exc
                    await asyncio.sleep(0.05)
                else:
                    return
            raise AssertionError(f"could not rename {old}: {last}")
    finally:
        await admin.dispose()
