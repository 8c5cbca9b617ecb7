"""Migration 0012_references on a registry that already holds certificates (and a credential that refers to
one of them, which a SQLite table copy could not survive with foreign keys on): the four shared references of
``certificate`` lose their foreign keys, nothing else changes, the audit is still clean, and the migration goes
down (keys back) and up again."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from registry.audit.run import run_audit
from registry.certificates import store_certificates
from registry.db import Database
from registry.errors import MissingReferenceError
from registry.models import Certificate, CertificateCredential
from registry.schema import current_revision, head_revision, upgrade
from tests.integration.log.tampering import ORIGIN
from tests.integration.log.test_migration import _downgrade as downgrade
from tests.integration.registry.migration_support import (
    foreign_key_columns,
    old_database_fixture,
    revision_before,
    with_a_credential,
)
from tests.integration.registry.test_references import dangling

REVISION = "0012_references"
DROPPED = {"authority_code", "batch_id", "institution_code", "kid"}


def _before() -> str:
    return revision_before(REVISION)


#: A registry migrated to the revision before 0012 (through :class:`Database`: SQLite's foreign keys on).
old_database = old_database_fixture(REVISION)


async def _certificate_keys(database: Database) -> set[str]:
    return await foreign_key_columns(database, "certificate")


async def test_the_keys_go_and_come_back_and_the_registry_stays_as_logged(
    old_database: Database, tmp_path: Path
) -> None:
    database = old_database
    await with_a_credential(database, tmp_path / "keys", certificates=3)
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
