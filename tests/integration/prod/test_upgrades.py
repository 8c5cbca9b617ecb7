"""Rolling upgrades: ``certreg db upgrade`` under an advisory lock (two at once: one waits, both succeed), and
code of the previous revision still serving the upgraded schema (N/N-1) when the migration says it may."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from registry import schema
from registry.db import Database, one_off_engine
from registry.errors import SchemaOutdatedError
from registry.schema import MIGRATION_LOCK, alembic_config, check_database_schema, current_revision, head_revision
from tests.conftest import PG_ADMIN_URL, require_service, run_id
from tests.integration.verify.servers import ROOT
from tests.integration.verify.world import build_world, verify_app
from tests.support import drop_pg_database, migrated_pg_database


def previous_revision() -> str:
    script = ScriptDirectory.from_config(alembic_config()).get_revision(head_revision())
    assert script is not None
    assert isinstance(script.down_revision, str)
    return script.down_revision


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database migrated to head just now (the shared test databases are emptied between tests, and
    ``schema_compat`` with them)."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'upgraded.db'}"
        async with one_off_engine(url) as engine:
            await schema.upgrade(engine)
        yield url
        return
    require_service("PostgreSQL", PG_ADMIN_URL)
    name = f"certreg_upgrade_{run_id(request.config)}"
    yield await migrated_pg_database(PG_ADMIN_URL, name)
    await drop_pg_database(PG_ADMIN_URL, name)


async def test_the_previous_release_serves_the_upgraded_schema(
    fresh_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with Database(fresh_url) as database:
        world = await build_world(database, tmp_path / "keys")
        old = previous_revision()
        await check_database_schema(database, head=old)  # accepted: the head migration declared it
        monkeypatch.setattr(schema, "head_revision", lambda: old)  # the app as the previous release built it
        async with AsyncTestClient(verify_app(fresh_url)) as client:
            answer = await client.post("/v1/verify", json={"number": world.valid.number, "name": "张三"})
            revoked = await client.post("/v1/verify", json={"number": world.revoked.number, "name": "李四"})
        assert answer.json()["result"] == "valid"
        assert revoked.json()["result"] == "revoked"


async def test_an_older_release_or_an_undeclared_step_is_refused(fresh_url: str) -> None:
    async with Database(fresh_url) as database:
        script = ScriptDirectory.from_config(alembic_config()).get_revision(previous_revision())
        assert script is not None
        two_back = script.down_revision
        assert isinstance(two_back, str)
        with pytest.raises(SchemaOutdatedError, match="certreg db upgrade"):
            await check_database_schema(database, head=two_back)
        async with database.write_engine.begin() as conn:
            await conn.execute(text("DELETE FROM schema_compat"))
        with pytest.raises(SchemaOutdatedError):
            await check_database_schema(database, head=previous_revision())
        await check_database_schema(database)  # its own revision, always


def start_upgrade(certreg: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([certreg, "db", "upgrade"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.postgres
@pytest.mark.slow
async def test_two_upgrades_at_once_one_waits_both_succeed(request: pytest.FixtureRequest) -> None:
    require_service("PostgreSQL", PG_ADMIN_URL)
    name = f"certreg_twoup_{run_id(request.config)}"
    admin = create_async_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    holder = create_async_engine(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CERTREG_")}
    env |= {"CERTREG_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    certreg = str(Path(sys.executable).with_name("certreg"))
    jobs: list[subprocess.Popen[bytes]] = []
    try:
        async with holder.connect() as lock:
            await lock.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK})
            jobs = [start_upgrade(certreg, env) for _ in range(2)]
            waiting = 0
            deadline = time.monotonic() + 30
            while waiting < 2 and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
                async with admin.connect() as conn:
                    waiting = int(
                        await conn.scalar(
                            text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
                        )
                        or 0
                    )
            assert waiting == 2, "both upgrades wait for the lock"
            assert all(job.poll() is None for job in jobs)
            await lock.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK})
        results = [await asyncio.to_thread(job.communicate, timeout=120) for job in jobs]
        assert [job.returncode for job in jobs] == [0, 0], results
        async with one_off_engine(url) as engine:
            assert await current_revision(engine) == head_revision()
    finally:
        for job in jobs:
            if job.poll() is None:
                job.kill()
                job.wait()
        await holder.dispose()
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()
