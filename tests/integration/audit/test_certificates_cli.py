"""``certreg audit`` against a registry changed behind its back in plain SQL: each change is found, named by
its certificate number, leaf or checkpoint, and the exit code is 1; a clean registry exits 0."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import msgspec
from sqlalchemy import delete, select, update

from registry.calendar import province_day
from registry.db import Database
from registry.events import decode_entry, encode_entry
from registry.log.merkle import leaf_hash
from registry.models import Certificate, CertificatePrint, Checkpoint, Event, PublicKey
from tests.factories import HOLDER_IDS, TestCertificate, issue_test_certificates, key_store
from tests.integration.cli.support import invoke
from tests.integration.log.tampering import (
    build,
    cli_env,
    event_data,
    grow,
    insert_unlogged_copy,
    on_database,
    sql,
    truncate,
)


def audit(empty_db_url: str, tmp_path: Path) -> tuple[int, list[list[str]], str]:
    result = invoke(cli_env(empty_db_url, tmp_path / "keys"), "audit")
    findings = [line.split("\t") for line in result.output.splitlines() if "\t" in line]
    return result.exit_code, findings, result.output


def test_a_clean_registry_passes(empty_db_url: str, tmp_path: Path) -> None:
    on_database(empty_db_url, lambda db: build(db, tmp_path / "keys", count=300))
    code, findings, output = audit(empty_db_url, tmp_path)
    assert (code, findings) == (0, [])
    assert "audit clean: 306 leaves, 300 certificates, 300 prints, 1 checkpoints" in output


def test_a_changed_name_is_found(empty_db_url: str, tmp_path: Path) -> None:
    made = on_database(empty_db_url, lambda db: build(db, tmp_path / "keys"))
    number = made[2].number
    on_database(
        empty_db_url,
        lambda db: sql(db, update(Certificate).where(Certificate.number == number).values(holder_name="李四")),
    )
    code, findings, _ = audit(empty_db_url, tmp_path)
    assert code == 1
    assert {(kind, record) for kind, record, _ in findings} == {("certificate.changed", f"certificate {number}")}
    assert any("holder_name" in message for _, _, message in findings)  # against the signed statement
    assert any("row (" in message for _, _, message in findings)  # against the issue event's row digest


async def serial_of(database: Database, number: str) -> str:
    async with database.reader() as session:
        serial = await session.scalar(select(CertificatePrint.serial).where(CertificatePrint.number == number))
    assert serial is not None
    return serial


def test_a_deleted_certificate_is_found(empty_db_url: str, tmp_path: Path) -> None:
    made = on_database(empty_db_url, lambda db: build(db, tmp_path / "keys"))
    number = made[0].number
    made_serial = on_database(empty_db_url, lambda db: serial_of(db, number))
    on_database(empty_db_url, lambda db: sql(db, delete(Certificate).where(Certificate.number == number)))
    code, findings, _ = audit(empty_db_url, tmp_path)
    assert code == 1
    assert [(kind, record) for kind, record, _ in findings] == [
        ("certificate.deleted", f"certificate {number}"),
        ("print.changed", f"print {made_serial} of certificate {number}"),  # its print is left without it
    ]
    assert "no such certificate" in findings[1][2]


def test_a_certificate_without_an_event_is_found(empty_db_url: str, tmp_path: Path) -> None:
    made = on_database(empty_db_url, lambda db: build(db, tmp_path / "keys"))
    forged = made[0].number[:-6] + "999999"
    on_database(empty_db_url, lambda db: insert_unlogged_copy(db, made[0].number, forged))
    code, findings, _ = audit(empty_db_url, tmp_path)
    assert code == 1
    kinds = {(kind, record) for kind, record, _ in findings}
    assert ("certificate.unlogged", f"certificate {forged}") in kinds
    assert all(record == f"certificate {forged}" for _, record, _ in findings)


def test_a_rewritten_event_is_found_by_its_leaf(empty_db_url: str, tmp_path: Path) -> None:
    on_database(empty_db_url, lambda db: build(db, tmp_path / "keys"))
    index = 7  # the second certificate's issue event (after 3 filing and 3 key leaves)
    entry = decode_entry(on_database(empty_db_url, lambda db: event_data(db, index)))
    forged = encode_entry(
        msgspec.structs.replace(entry, details={**entry.details, "statement_sha256": hashlib.sha256(b"x").digest()})
    )
    on_database(empty_db_url, lambda db: sql(db, update(Event).where(Event.idx == index).values(data=forged)))
    code, findings, _ = audit(empty_db_url, tmp_path)
    assert code == 1
    kinds = [(kind, record) for kind, record, _ in findings]
    assert ("event.changed", f"leaf {index}") in kinds
    assert ("checkpoint.fork", "checkpoint 11") in kinds  # the events no longer give the signed root


def rewrite_with_hash(db_url: str, index: int, **changes: object) -> None:
    """Rewrite leaf ``index`` as an insider would: new bytes, their leaf hash and matching columns."""
    entry = decode_entry(on_database(db_url, lambda db: event_data(db, index)))
    forged = encode_entry(msgspec.structs.replace(entry, **changes))
    columns = {name: value for name, value in changes.items() if name in ("actor", "reason")}
    statement = update(Event).where(Event.idx == index).values(data=forged, leaf_hash=leaf_hash(forged), **columns)
    on_database(db_url, lambda db: sql(db, statement))


def test_an_event_rewritten_with_its_hash_is_located_between_checkpoints(empty_db_url: str, tmp_path: Path) -> None:
    """Nothing but the signed roots shows this rewrite: the audit names the leaves between the last
    checkpoint the events still give (11) and the first they do not (15)."""
    on_database(empty_db_url, lambda db: build(db, tmp_path / "keys"))  # 11 leaves, checkpoint 11
    on_database(empty_db_url, lambda db: grow(db, tmp_path / "keys", 4, "乙"))  # 15 leaves, checkpoint 15
    rewrite_with_hash(empty_db_url, 12, actor="somebody else")
    code, findings, output = audit(empty_db_url, tmp_path)
    assert code == 1
    assert [(kind, record) for kind, record, _ in findings] == [
        ("checkpoint.fork", "checkpoint 15"),
        ("log.rewritten", "leaves 11-14"),
    ]
    assert "the events still give the root signed at size 11 but not the one at size 15" in output


def test_a_rewritten_issue_event_with_its_hash_names_the_certificate(empty_db_url: str, tmp_path: Path) -> None:
    made = on_database(empty_db_url, lambda db: build(db, tmp_path / "keys"))
    entry = decode_entry(on_database(empty_db_url, lambda db: event_data(db, 8)))
    assert entry.subject == made[2].number
    rewrite_with_hash(empty_db_url, 8, details={**entry.details, "statement_sha256": hashlib.sha256(b"x").digest()})
    code, findings, _ = audit(empty_db_url, tmp_path)
    assert code == 1
    assert {(kind, record) for kind, record, _ in findings} == {
        ("certificate.changed", f"certificate {made[2].number}"),
        ("checkpoint.fork", "checkpoint 11"),
        ("log.rewritten", "leaves 0-10"),
    }


def test_a_truncated_and_regrown_log_forks_from_its_old_checkpoints(empty_db_url: str, tmp_path: Path) -> None:
    on_database(empty_db_url, lambda db: build(db, tmp_path / "keys"))  # 11 leaves, checkpoint 11
    on_database(empty_db_url, lambda db: grow(db, tmp_path / "keys", 4, "乙"))  # 15 leaves, checkpoint 15
    on_database(empty_db_url, lambda db: truncate(db, 9))
    code, findings, _ = audit(empty_db_url, tmp_path)
    assert code == 1
    assert {(kind, record) for kind, record, _ in findings} == {
        ("log.truncated", "checkpoint 11"),
        ("log.truncated", "checkpoint 15"),
    }
    on_database(empty_db_url, lambda db: grow(db, tmp_path / "keys", 10, "丙"))  # regrown to 19, other leaves
    code, findings, _ = audit(empty_db_url, tmp_path)
    assert code == 1
    assert {(kind, record) for kind, record, _ in findings} == {
        ("checkpoint.fork", "checkpoint 11"),
        ("checkpoint.fork", "checkpoint 15"),
        ("log.rewritten", "leaves 0-10"),
    }


def test_a_forged_checkpoint_signature_is_found(empty_db_url: str, tmp_path: Path) -> None:
    on_database(empty_db_url, lambda db: build(db, tmp_path / "keys"))
    bad = update(Checkpoint).values(note="hrss.hunan.example/certreg\n11\n" + "A" * 43 + "=\n\n\u2014 x AAAAAAA=\n")
    on_database(empty_db_url, lambda db: sql(db, bad))
    code, findings, _ = audit(empty_db_url, tmp_path)
    assert code == 1
    assert [(kind, record) for kind, record, _ in findings] == [("checkpoint.bad_signature", "checkpoint 11")]


def test_a_changed_unsigned_column_is_found_through_the_row_digest(empty_db_url: str, tmp_path: Path) -> None:
    """The holder-ID digest is not in the signed statement; the issue event's row digest covers it."""
    made = on_database(empty_db_url, lambda db: build(db, tmp_path / "keys"))
    number = made[1].number
    other_holder = hashlib.sha256(b"someone else").digest()
    on_database(
        empty_db_url,
        lambda db: sql(
            db, update(Certificate).where(Certificate.number == number).values(holder_id_digest=other_holder)
        ),
    )
    code, findings, _ = audit(empty_db_url, tmp_path)
    assert code == 1
    assert [(kind, record) for kind, record, _ in findings] == [("certificate.changed", f"certificate {number}")]
    assert "holder ID digest" in findings[0][2]


def test_a_backdated_certificate_is_found(empty_db_url: str, tmp_path: Path) -> None:
    """A statement signed with an earlier issue date than the day it was logged (what a stolen key allows)."""
    made = on_database(
        empty_db_url,
        lambda db: build_backdated(
            db, tmp_path / "keys", issued_on=province_day(datetime.now(UTC)) - timedelta(days=30)
        ),
    )
    code, findings, _ = audit(empty_db_url, tmp_path)
    assert code == 1
    assert ("certificate.backdated", f"certificate {made[0].number}") in {(k, r) for k, r, _ in findings}


async def build_backdated(database: Database, key_dir: Path, *, issued_on: date) -> list[TestCertificate]:
    await build(database, key_dir, count=1)
    # the key must have existed on the back-dated day, so that the signature itself is acceptable
    valid_from = datetime.combine(issued_on - timedelta(days=1), datetime.min.time(), UTC)
    async with database.transaction() as session:
        await session.execute(update(PublicKey).values(valid_from=valid_from))
    return await issue_test_certificates(database, key_store(key_dir), [("王五", HOLDER_IDS[2])], issued_on=issued_on)
