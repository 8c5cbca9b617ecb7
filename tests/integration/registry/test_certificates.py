"""Certificates are written once with their issue event; status comes from later events."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from registry.certificates import (
    NewCertificate,
    revoke,
    status_of,
    statuses,
    store_certificates,
    superseded_event,
)
from registry.db import Database
from registry.errors import ConflictError, NotFoundError
from registry.events import EventKind, append_events, decode_entry
from registry.models import Certificate, Event, PublicKey
from registry.vocab import CertificateStatus
from tests.factories import PROVINCE, SKILL_INSTITUTION, seed_world


async def _seed(database: Database) -> None:
    """The factories' world, and the province centre's statement key the certificates name."""
    await seed_world(database)
    async with database.transaction() as session:
        session.add(
            PublicKey(
                kid="AAAAAAAAAAA",
                authority_code=PROVINCE,
                purpose="statement",
                public_key=b"\x01" * 32,
                valid_from=datetime(2025, 1, 1, tzinfo=UTC),
            )
        )


def _cert(number: str, supersedes: str | None = None) -> NewCertificate:
    return NewCertificate(
        number=number,
        kind="skill_level",
        holder_name="张三",
        holder_id_digest=hashlib.sha256(b"id").digest(),
        holder_id_masked="430102********1234",
        subject_type="occupation",
        subject_code="6-31-01-03",
        level=3,
        institution_code=SKILL_INSTITUTION,
        authority_code=PROVINCE,
        assessed_on=date(2026, 5, 1),
        issued_on=date(2026, 6, 1),
        statement=b"statement-" + number.encode(),
        signature=b"s" * 64,
        kid="AAAAAAAAAAA",
        supersedes=supersedes,
    )


async def test_store_then_revoke_and_supersede(database: Database) -> None:
    await _seed(database)
    async with database.transaction() as session:
        indices = await store_certificates(session, [_cert("N1"), _cert("N2"), _cert("N3")], actor="tester")
    assert list(indices) == [0, 1, 2]
    async with database.transaction() as session:
        await revoke(session, "N1", reason="伪造材料 / forged documents", actor="admin")
        await store_certificates(
            session,
            [_cert("N4", supersedes="N2")],
            actor="admin",
            extra_events=[
                superseded_event("N2", "N4", kind=EventKind.CERTIFICATE_REISSUED, reason="遗失", actor="admin")
            ],
        )
    async with database.reader() as session:
        found = await statuses(session, ["N1", "N2", "N3", "N4"])
        assert found["N1"].status is CertificateStatus.REVOKED
        assert found["N1"].reason == "伪造材料 / forged documents"
        assert found["N2"].status is CertificateStatus.SUPERSEDED
        assert found["N2"].superseded_by == "N4"
        assert "N3" not in found
        assert (await status_of(session, "N3")).status is CertificateStatus.VALID
        row = await session.get(Certificate, "N4")
        assert row is not None
        assert row.supersedes == "N2"
        issue = await session.scalar(select(Event).where(Event.idx == row.log_index))
        assert issue is not None
        entry = decode_entry(issue.data)
        assert entry.kind == "certificate.issued"
        assert entry.details["statement_sha256"] == hashlib.sha256(b"statement-N4").digest()
        assert entry.details["supersedes"] == "N2"


async def test_revoking_twice_or_a_missing_number_is_refused(database: Database) -> None:
    await _seed(database)
    async with database.transaction() as session:
        await store_certificates(session, [_cert("N1")], actor="tester")
        await revoke(session, "N1", reason="r", actor="admin")
    with pytest.raises(ConflictError, match="revoked"):
        async with database.transaction() as session:
            await revoke(session, "N1", reason="again", actor="admin")
    with pytest.raises(NotFoundError):
        async with database.transaction() as session:
            await revoke(session, "N9", reason="r", actor="admin")


async def test_supersession_event_kind_is_checked() -> None:
    with pytest.raises(ValueError, match="not a supersession"):
        superseded_event("A", "B", kind=EventKind.CERTIFICATE_REVOKED, reason="", actor="x")


async def test_a_status_event_for_another_kind_does_not_change_status(database: Database) -> None:
    await _seed(database)
    async with database.transaction() as session:
        await store_certificates(session, [_cert("N1")], actor="tester")
        from registry.events import NewEvent

        await append_events(session, [NewEvent(kind="batch.objection", subject="N1", actor="x")])
    async with database.reader() as session:
        assert (await status_of(session, "N1")).status is CertificateStatus.VALID
