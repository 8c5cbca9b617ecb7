"""What the tests of one migration share: the revision before it, a registry migrated up to there on SQLite or
PostgreSQL, certificates and a stored credential in it, and the columns of a table that carry a foreign key."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, select

from registry.db import Database
from registry.models import Certificate, CertificateCredential
from registry.schema import alembic_config, upgrade
from tests.conftest import PG_ADMIN_URL, require_service, run_id
from tests.integration.log.tampering import build
from tests.support import drop_pg_database, migrated_pg_database


def revision_before(revision: str) -> str:
    """The down revision of ``revision`` (one parent: the chain has no merges)."""
    script = ScriptDirectory.from_config(alembic_config()).get_revision(revision)
    assert script is not None
    assert isinstance(script.down_revision, str)
    return script.down_revision


@asynccontextmanager
async def database_before(revision: str, request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A registry migrated to the revision before ``revision`` on ``request.param`` ("sqlite" or "postgres"),
    through :class:`Database` so that SQLite's foreign keys are on; the PostgreSQL database is dropped after."""
    before, name = revision_before(revision), None
    if request.param == "sqlite":
        database = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
        await upgrade(database.write_engine, before)
    else:
        require_service("PostgreSQL", PG_ADMIN_URL)
        name = f"certreg_{revision[:4]}_{run_id(request.config)}"
        database = Database(await migrated_pg_database(PG_ADMIN_URL, name, before))
    try:
        yield database
    finally:
        await database.dispose()
        if name is not None:
            await drop_pg_database(PG_ADMIN_URL, name)


async def with_a_credential(database: Database, key_dir: Path, *, certificates: int) -> tuple[str, str]:
    """Issue ``certificates`` logged certificates into the old registry (keys in ``key_dir``) and store a
    credential row for the first (``{}``: no real credential); its ``(number, authority_code)``."""
    await build(database, key_dir, count=certificates)
    async with database.transaction() as session:
        number, authority, kid = (
            await session.execute(select(Certificate.number, Certificate.authority_code, Certificate.kid).limit(1))
        ).one()
        session.add(
            CertificateCredential(
                number=number, authority_code=authority, status_value=0, status_list=0, status_index=0, kid=kid,
                credential=b"{}", log_index=0, created_at=datetime.now(UTC),
            )
        )  # fmt: skip
    return number, authority


async def foreign_key_columns(database: Database, table: str) -> set[str]:
    """Every column of ``table`` that a foreign key constrains."""

    def _columns(connection: Connection) -> set[str]:
        return {column for fk in inspect(connection).get_foreign_keys(table) for column in fk["constrained_columns"]}

    async with database.write_engine.connect() as connection:
        return await connection.run_sync(_columns)


def old_database_fixture(revision: str) -> Any:
    """The ``old_database`` fixture of a migration's tests: :func:`database_before` ``revision``, on SQLite and
    on PostgreSQL."""

    @pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
    async def old_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
        async with database_before(revision, request, tmp_path) as database:
            yield database

    return old_database
