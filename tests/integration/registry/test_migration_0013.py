"""Migration 0013_issue_speed on a registry that already holds a credential: the three references of
``certificate_credential`` lose their foreign keys, nothing else changes, a credential naming a missing key is
still refused (by the per-set check), and the migration goes down (keys back) and up again."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from registry.certificates import require_credential_references
from registry.credential_store import NewCredential
from registry.db import Database
from registry.errors import MissingReferenceError
from registry.models import CertificateCredential
from registry.schema import current_revision, head_revision, upgrade
from tests.integration.log.test_migration import _downgrade as downgrade
from tests.integration.registry.migration_support import (
    foreign_key_columns,
    old_database_fixture,
    revision_before,
    with_a_credential,
)

REVISION = "0013_issue_speed"
DROPPED = {"number", "authority_code", "kid"}


def _before() -> str:
    return revision_before(REVISION)


#: A registry migrated to the revision before 0013 (through :class:`Database`: SQLite's foreign keys on).
old_database = old_database_fixture(REVISION)


async def _credential_keys(database: Database) -> set[str]:
    return await foreign_key_columns(database, "certificate_credential")


async def _compression(database: Database) -> str | None:
    """The TOAST compression set on ``certificate_credential.credential`` (PostgreSQL; ``None`` elsewhere)."""
    if database.dialect != "postgresql":
        return None
    async with database.reader() as session:
        method = await session.scalar(
            text(
                "SELECT attcompression::text FROM pg_attribute WHERE attrelid = 'certificate_credential'::regclass "
                "AND attname = 'credential'"
            )
        )
    return str(method)


async def test_the_credential_keys_go_and_come_back_and_the_rows_stay(old_database: Database, tmp_path: Path) -> None:
    database = old_database
    number, authority = await with_a_credential(database, tmp_path / "keys", certificates=2)
    assert await _credential_keys(database) == DROPPED

    await upgrade(database.write_engine)
    assert await current_revision(database.write_engine) == head_revision()
    assert not await _credential_keys(database)
    assert await _compression(database) in (None, "l")  # lz4 (the test server has it)
    async with database.reader() as session:
        assert await session.scalar(select(func.count()).select_from(CertificateCredential)) == 1
    missing_key = NewCredential(number=number, authority_code=authority, status_value=1, kid="NOKEY", data=b"{}")
    with pytest.raises(MissingReferenceError, match="key NOKEY"):
        async with database.transaction() as session:
            await require_credential_references(session, [missing_key])

    await downgrade(database, _before())
    assert await _credential_keys(database) == DROPPED
    assert await _compression(database) in (None, "")  # the server's default again
    async with database.reader() as session:
        assert await session.scalar(select(func.count()).select_from(CertificateCredential)) == 1
    await upgrade(database.write_engine)
    assert not await _credential_keys(database)
