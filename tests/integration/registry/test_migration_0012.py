"""Migration 0012_references on a registry that already holds certificates (and a credential that refers to
one of them, which a SQLite table copy could not survive with foreign keys on): the four shared references of
``certificate`` lose their foreign keys, nothing else changes, the audit is still clean, and the migration goes
down (keys back) and up again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, delete, func, inspect, select

from registry.audit.run import run_audit
from registry.certificates import store_certificates
from registry.db import Database
from registry.errors import MissingReferenceError
from registry.models import Certificate, CertificateCredential
from registry.schema import alembic_config, current_revision, head_revision, upgrade
from tests.conftest import PG_ADMIN_URL, require_service, run_id
from tests.integration.log.tampering import ORIGIN, build
from tests.integration.log.test_migration import _downgrade as downgrade
from tests.integration.registry.test_references import dangling
from tests.support import drop_pg_database, migrated_pg_database

REVISION = "0012_references"
DROPPED = {"authority_code", "batch_id", "institution_code", "kid"}


def _before() -> str:
    script = ScriptDirectory.from_config(alembic_config()).get_revision(REVISION)
    assert script is not None
    assert isinstance(script.down_revision, str)
    return script.down_revision


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def old_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A registry migrated to the revision before 0012 (through :class:`Database`: SQLite's foreign keys on)."""
    name = None
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        database = Database(url)
        await upgrade(database.write_engine, _before())
    else:
        require_service("PostgreSQL", PG_ADMIN_URL)
        name = f"certreg_0012_{run_id(request.config)}"
        database = Database(await migrated_pg_database(PG_ADMIN_URL, name, _before()))
    try:
        yield database
    finally:
        await database.dispose()
        if name is not None:
            await drop_pg_database(PG_ADMIN_URL, name)


async def _certificate_keys(database: Database) -> set[str]:
    def _keys(connection: Connection) -> set[str]:
        return {
            column for fk in inspect(connection).get_foreign_keys("certificate") for column in fk["constrained_columns"]
        }

    async with database.write_engine.connect() as connection:
        return await connection.run_sync(_keys)


async def test_the_keys_go_and_come_back_and_the_registry_stays_as_logged(
    old_database: Database, tmp_path: Path
) -> None:
    database = old_database
    await build(database, tmp_path / "keys", count=3)
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
    assert await _certificate_keys(database) >= DROPPED

    await upgrade(database.write_engine)
    assert await current_revision(database.write_engine) == head_revision()
    assert not DROPPED & await _certificate_keys(database)
    assert "holder_identity_id" in await _certificate_keys(database)  # the one set by UPDATE keeps its key
    async with database.reader() as session:
        assert await session.scalar(select(func.count()).select_from(Certificate)) == 3
        assert await session.scalar(select(func.count()).select_from(CertificateCredential)) == 1
    async with database.transaction() as session:  # its bytes are no credential: out before the audit
        await session.execute(delete(CertificateCredential))

    report = await run_audit(database, ORIGIN)
    assert report.clean, report.discrepancies
    with pytest.raises(MissingReferenceError, match="institution NOPE"):
        async with database.transaction() as session:
            await store_certificates(session, [dangling("N-0012")], actor="test")

    await downgrade(database, _before())
    assert await _certificate_keys(database) >= DROPPED
    await upgrade(database.write_engine)
    assert not DROPPED & await _certificate_keys(database)
