"""``certreg audit`` against key and filing tables changed behind its back in plain SQL: the key set and the
filing statuses rebuilt from the ``key.*`` and ``filing.*`` events must be what the tables hold, each
difference is named by its kid or filing, and certificates are verified against the key set the log
records."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, insert, select, update

from keys.kid import key_id
from registry.db import Database
from registry.events import EventKind, NewEvent, append_events
from registry.keyring import mark_compromised
from registry.models import Filing, FilingScope, FilingStatusChange, KeyStatusChange, PublicKey
from tests.factories import CITY, ELECTRICIAN, PROVINCE, SKILL_INSTITUTION, STATION
from tests.factories.world import add_filing
from tests.integration.audit.test_certificates_cli import audit, build_backdated
from tests.integration.log.tampering import build, on_database, sql


async def kid_of(database: Database, authority: str, purpose: str) -> str:
    async with database.reader() as session:
        kid = await session.scalar(
            select(PublicKey.kid).where(PublicKey.authority_code == authority, PublicKey.purpose == purpose)
        )
    assert kid is not None
    return kid


async def compromise_province_key(database: Database) -> str:
    kid = await kid_of(database, PROVINCE, "statement")
    async with database.transaction() as session:
        await mark_compromised(session, kid, datetime.now(UTC), "after", actor="test", reason="泄露")
    return kid


async def change_filing_status(database: Database, institution: str, status: str, on: date) -> str:
    """What `certreg registry load` does for a filing_status row: the status row and its event, together."""
    async with database.transaction() as session:
        filing = await session.scalar(select(Filing).where(Filing.institution_code == institution))
        assert filing is not None
        session.add(FilingStatusChange(filing_id=filing.id, status=status, effective_on=on, reason="整改"))
        event = NewEvent(
            kind=EventKind.FILING_STATUS,
            subject=f"filing:{institution}:{filing.reference}",
            actor="test",
            reason="整改",
            details={"status": status, "effective_on": on.isoformat()},
        )
        await append_events(session, [event])
        return f"filing {institution}:{filing.reference}"


def kinds(findings: list[list[str]]) -> list[tuple[str, str]]:
    return [(kind, record) for kind, record, _ in findings]


def test_a_deleted_compromise_mark_is_found(empty_db_url: str, tmp_path: Path) -> None:
    on_database(empty_db_url, lambda db: build(db, tmp_path / "keys"))
    kid = on_database(empty_db_url, compromise_province_key)
    assert audit(empty_db_url, tmp_path)[:2] == (0, [])
    on_database(empty_db_url, lambda db: sql(db, delete(KeyStatusChange).where(KeyStatusChange.kid == kid)))
    code, findings, _ = audit(empty_db_url, tmp_path)
    assert (code, kinds(findings)) == (1, [("key.changed", f"key {kid}")])
    assert "status, compromised_at, compromise_scope" in findings[0][2]


def test_a_backdated_key_without_an_event_is_found(empty_db_url: str, tmp_path: Path) -> None:
    on_database(empty_db_url, lambda db: build(db, tmp_path / "keys"))
    raw = os.urandom(32)
    kid = key_id(raw)
    row = insert(PublicKey).values(
        kid=kid,
        authority_code=CITY,
        purpose="statement",
        algorithm="Ed25519",
        public_key=raw,
        valid_from=datetime(2020, 1, 1, tzinfo=UTC),
    )
    on_database(empty_db_url, lambda db: sql(db, row))
    code, findings, _ = audit(empty_db_url, tmp_path)
    assert (code, kinds(findings)) == (1, [("key.unlogged", f"key {kid}")])


def test_a_malformed_key_row_is_a_finding_naming_its_kid(empty_db_url: str, tmp_path: Path) -> None:
    on_database(empty_db_url, lambda db: build(db, tmp_path / "keys"))
    kid = on_database(empty_db_url, lambda db: kid_of(db, PROVINCE, "statement"))
    on_database(
        empty_db_url,
        lambda db: sql(db, update(PublicKey).where(PublicKey.kid == kid).values(public_key=os.urandom(32))),
    )
    code, findings, _ = audit(empty_db_url, tmp_path)
    assert (code, kinds(findings)) == (1, [("key.changed", f"key {kid}")])
    assert "is not the key id" in findings[0][2]


def test_certificates_are_verified_against_the_logged_key_set(empty_db_url: str, tmp_path: Path) -> None:
    """The back-dated certificate's key was moved back in the table; the log still says when it began."""
    made = on_database(
        empty_db_url,
        lambda db: build_backdated(db, tmp_path / "keys", issued_on=date.today() - timedelta(days=30)),
    )
    kid = on_database(empty_db_url, lambda db: kid_of(db, CITY, "statement"))
    code, findings, _ = audit(empty_db_url, tmp_path)
    assert code == 1
    found = {(kind, record): message for kind, record, message in findings}
    assert "valid_from" in found[("key.changed", f"key {kid}")]
    assert "not valid on" in found[("certificate.bad_signature", f"certificate {made[0].number}")]


def test_a_deleted_filing_suspension_is_found(empty_db_url: str, tmp_path: Path) -> None:
    on_database(empty_db_url, lambda db: build(db, tmp_path / "keys"))
    filing = on_database(
        empty_db_url, lambda db: change_filing_status(db, SKILL_INSTITUTION, "suspended", date(2025, 3, 1))
    )
    assert audit(empty_db_url, tmp_path)[:2] == (0, [])
    on_database(
        empty_db_url, lambda db: sql(db, delete(FilingStatusChange).where(FilingStatusChange.status == "suspended"))
    )
    code, findings, _ = audit(empty_db_url, tmp_path)
    assert (code, kinds(findings)) == (1, [("filing.changed", filing)])
    assert "logged but missing: suspended 2025-03-01" in findings[0][2]


def test_a_scope_row_given_another_kind_or_a_consent_is_found(empty_db_url: str, tmp_path: Path) -> None:
    """Rules 1 and 5a decide on a scope row's kinds and consent: changing either behind the log is a forgery."""
    on_database(empty_db_url, lambda db: build(db, tmp_path / "keys"))
    assert audit(empty_db_url, tmp_path)[:2] == (0, [])
    widened = update(FilingScope).where(FilingScope.kinds == "skill_level").values(kinds="qualification,skill_level")
    on_database(empty_db_url, lambda db: sql(db, widened))
    code, findings, _ = audit(empty_db_url, tmp_path)
    assert code == 1
    assert {kind for kind, _ in kinds(findings)} == {"filing.changed"}
    assert all("scope kinds or consent" in message for _, _, message in findings)


def test_a_deleted_partial_suspension_is_found(empty_db_url: str, tmp_path: Path) -> None:
    on_database(empty_db_url, lambda db: build(db, tmp_path / "keys"))

    async def suspend_one_occupation(database: Database) -> str:
        async with database.transaction() as session:
            filing = await session.scalar(select(Filing).where(Filing.institution_code == SKILL_INSTITUTION))
            assert filing is not None
            session.add(
                FilingStatusChange(
                    filing_id=filing.id, status="suspended", effective_on=date(2025, 3, 1), reason="整改",
                    subject_code=ELECTRICIAN,
                )
            )  # fmt: skip
            details: dict[str, str | int | bytes | bool | None] = {
                "status": "suspended", "effective_on": "2025-03-01", "subject": ELECTRICIAN, "levels": "", "kind": "",
            }  # fmt: skip
            subject = f"filing:{SKILL_INSTITUTION}:{filing.reference}"
            event = NewEvent(kind=EventKind.FILING_STATUS, subject=subject, actor="test", details=details)
            await append_events(session, [event])
            return f"filing {SKILL_INSTITUTION}:{filing.reference}"

    filing = on_database(empty_db_url, suspend_one_occupation)
    assert audit(empty_db_url, tmp_path)[:2] == (0, [])
    widened = update(FilingStatusChange).where(FilingStatusChange.subject_code == ELECTRICIAN).values(subject_code=None)
    on_database(empty_db_url, lambda db: sql(db, widened))  # the suspension of one occupation made whole
    code, findings, _ = audit(empty_db_url, tmp_path)
    assert (code, kinds(findings)) == (1, [("filing.changed", filing)])
    assert f"logged but missing: suspended 2025-03-01 ({ELECTRICIAN})" in findings[0][2]


def test_a_revoked_filing_turned_active_is_found(empty_db_url: str, tmp_path: Path) -> None:
    on_database(empty_db_url, lambda db: build(db, tmp_path / "keys"))
    filing = on_database(empty_db_url, lambda db: change_filing_status(db, STATION, "revoked", date(2025, 5, 1)))
    assert audit(empty_db_url, tmp_path)[:2] == (0, [])
    revived = update(FilingStatusChange).where(FilingStatusChange.status == "revoked").values(status="active")
    on_database(empty_db_url, lambda db: sql(db, revived))
    code, findings, _ = audit(empty_db_url, tmp_path)
    assert (code, kinds(findings)) == (1, [("filing.changed", filing)])
    assert "not logged: active 2025-05-01" in findings[0][2]
    assert "logged but missing: revoked 2025-05-01" in findings[0][2]


def test_a_filing_without_an_event_and_a_deleted_filing_are_found(empty_db_url: str, tmp_path: Path) -> None:
    on_database(empty_db_url, lambda db: build(db, tmp_path / "keys"))

    async def tamper(database: Database) -> tuple[str, str]:
        async with database.transaction() as session:
            gone = await session.scalar(select(Filing).where(Filing.institution_code == STATION))
            assert gone is not None
            await session.execute(delete(FilingScope).where(FilingScope.filing_id == gone.id))
            await session.execute(delete(FilingStatusChange).where(FilingStatusChange.filing_id == gone.id))
            await session.execute(delete(Filing).where(Filing.id == gone.id))
            forged = await add_filing(
                session, SKILL_INSTITUTION, "伪备〔2025〕1号", filed_by=CITY, valid=(date(2025, 1, 1), date(2028, 1, 1))
            )
            return f"filing {STATION}:{gone.reference}", f"filing {SKILL_INSTITUTION}:{forged.reference}"

    deleted, unlogged = on_database(empty_db_url, tamper)
    code, findings, _ = audit(empty_db_url, tmp_path)
    assert code == 1
    assert sorted(kinds(findings)) == [("filing.deleted", deleted), ("filing.unlogged", unlogged)]


def test_a_key_given_another_purpose_in_its_row_is_found(empty_db_url: str, tmp_path: Path) -> None:
    on_database(empty_db_url, lambda db: build(db, tmp_path / "keys"))
    kid = on_database(empty_db_url, lambda db: kid_of(db, CITY, "statement"))
    on_database(empty_db_url, lambda db: sql(db, update(PublicKey).where(PublicKey.kid == kid).values(purpose="log")))
    code, findings, _ = audit(empty_db_url, tmp_path)
    assert (code, kinds(findings)) == (1, [("key.changed", f"key {kid}")])
    assert findings[0][2].endswith("differs from its logged state (leaf 4): purpose")
