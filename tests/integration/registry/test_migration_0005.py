"""Migration 0005_rules on a registry that already holds filings: their scope rows keep allowing what they
allowed (a project row special ability, an occupation row qualification and skill level), the audit still
finds them as logged, and the migration goes down and up again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from registry.audit.run import run_audit
from registry.db import Database, one_off_engine
from registry.events import EventKind, NewEvent, append_events
from registry.models import FilingScope
from registry.rule_views import filing_views
from registry.schema import current_revision, head_revision, upgrade
from registry.vocab import CertificateKind
from tests.conftest import PG_ADMIN_URL, require_service, run_id
from tests.integration.log.test_migration import _downgrade as downgrade
from tests.support import drop_pg_database, migrated_pg_database

BEFORE = "0004_event_append_only"
INSTITUTION = "43012001"
REFERENCE = "长人社鉴备〔2024〕1号"
SEED = (
    "INSERT INTO region (code, name, parent_code) VALUES ('430000', '湖南省', NULL)",
    "INSERT INTO region (code, name, parent_code) VALUES ('430100', '长沙市', '430000')",
    "INSERT INTO authority (code, name, level, region_code) VALUES ('430100', '长沙市鉴定中心', 'city', '430100')",
    "INSERT INTO institution (code, name, kind, owner, uscc, region_code, filing_authority_code, address, "
    f"person_in_charge) VALUES ('{INSTITUTION}', '长沙市第一职业技能鉴定所', 'station', 'local', "
    "'12430102445000011T', '430100', '430100', '', '')",
    "INSERT INTO filing (id, institution_code, reference, filed_by, valid_from, valid_to, created_at) VALUES "
    f"(1, '{INSTITUTION}', '{REFERENCE}', '430100', '2024-01-01', '2026-12-31', '2024-01-01 00:00:00+00:00')",
    "INSERT INTO filing_scope (filing_id, subject_type, subject_code, levels) VALUES "
    "(1, 'occupation', '6-18-02-04', '345')",
    "INSERT INTO filing_scope (filing_id, subject_type, subject_code, levels) VALUES (1, 'project', 'HN01', '')",
    "INSERT INTO filing_status (filing_id, status, effective_on, reason, recorded_at) VALUES "
    "(1, 'active', '2024-01-01', '备案 / filed', '2024-01-01 00:00:00+00:00')",
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def url_at_0004(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database at 0004 holding one filing, logged as the loader logged filings before 0005."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        async with one_off_engine(url) as engine:
            await upgrade(engine, BEFORE)
        name = None
    else:
        require_service("PostgreSQL", PG_ADMIN_URL)
        name = f"certreg_0005_{run_id(request.config)}"
        url = await migrated_pg_database(PG_ADMIN_URL, name, BEFORE)
    async with Database(url) as database, database.transaction() as session:
        for statement in SEED:
            await session.execute(text(statement))
        details: dict[str, str | int | bytes | bool | None] = {
            "institution": INSTITUTION, "reference": REFERENCE, "filed_by": "430100",
            "valid_from": "2024-01-01", "valid_to": "2026-12-31",
            "scope": "occupation:6-18-02-04:345;project:HN01:",
        }  # fmt: skip
        subject = f"filing:{INSTITUTION}:{REFERENCE}"
        await append_events(
            session, [NewEvent(kind=EventKind.FILING_CREATED, subject=subject, actor="cli", details=details)]
        )
    try:
        yield url
    finally:
        if name is not None:
            await drop_pg_database(PG_ADMIN_URL, name)


async def test_filings_keep_what_they_allowed_and_stay_as_logged(url_at_0004: str) -> None:
    async with Database(url_at_0004) as database:
        await upgrade(database.write_engine)
        async with database.reader() as session:
            kinds = dict((await session.execute(select(FilingScope.subject_code, FilingScope.kinds))).all())
            (view,) = await filing_views(session, INSTITUTION)
        assert kinds == {"6-18-02-04": "qualification,skill_level", "HN01": "special_ability"}
        occupation, project = sorted(view.scope, key=lambda row: row.subject_type)
        assert occupation.allows(CertificateKind.QUALIFICATION)
        assert occupation.allows(CertificateKind.SKILL_LEVEL)
        assert not occupation.allows(CertificateKind.SPECIAL_ABILITY)
        assert project.allows(CertificateKind.SPECIAL_ABILITY)
        assert (view.pilot, occupation.consent_on) == (False, None)
        report = await run_audit(database, "test.origin")
        assert report.clean, report.discrepancies  # the filing's events predate kinds: what 0005 stored is expected

        async with database.transaction() as session:  # … and a kind widened behind the log is still found
            await session.execute(text("UPDATE filing_scope SET kinds = 'qualification,skill_level' WHERE levels = ''"))
        report = await run_audit(database, "test.origin")
        assert [d.kind.value for d in report.discrepancies] == ["filing.changed"]

        await downgrade(database, BEFORE)
        assert await current_revision(database.write_engine) == BEFORE
        await upgrade(database.write_engine)
        assert await current_revision(database.write_engine) == head_revision()
        async with database.reader() as session:
            assert (await session.scalar(select(FilingScope.kinds).where(FilingScope.levels == ""))) == (
                "special_ability"
            )
