"""``certreg audit`` on the prints of certificates (print serials, NUMBERING.md): a void print made valid again,
a serial swapped for another blank's, a print slipped in without its event — each is found and named by
serial and certificate number."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, insert, update

from registry.db import Database
from registry.models import CertificatePrint
from registry.prints import reprint
from registry.rules.serials import PrintSerialRule
from tests.factories import CITY
from tests.integration.audit.test_certificates_cli import audit
from tests.integration.log.tampering import build, on_database, sql


async def reprinted(database: Database, number: str) -> tuple[str, str]:
    """补发 keeping ``number``: (the serial now void, the new one)."""
    async with database.transaction() as session:
        info = await reprint(
            session, PrintSerialRule(), number, authority_code=CITY, given_serial=None, reason="遗失 / lost",
            actor="test",
        )  # fmt: skip
    assert info.replaces is not None
    return info.replaces, info.serial


def findings_of(empty_db_url: str, tmp_path: Path) -> list[tuple[str, str, str]]:
    code, findings, output = audit(empty_db_url, tmp_path)
    assert code == 1, output
    return [(kind, record, message) for kind, record, message in findings]


def test_a_reprint_passes_and_a_deleted_one_is_found(empty_db_url: str, tmp_path: Path) -> None:
    made = on_database(empty_db_url, lambda db: build(db, tmp_path / "keys"))
    number = made[0].number
    void, valid = on_database(empty_db_url, lambda db: reprinted(db, number))
    code, findings, output = audit(empty_db_url, tmp_path)
    assert (code, findings) == (0, []), output
    assert "6 prints" in output
    # the reprint's row deleted: the lost blank would be the valid print again
    on_database(empty_db_url, lambda db: sql(db, delete(CertificatePrint).where(CertificatePrint.serial == valid)))
    found = findings_of(empty_db_url, tmp_path)
    assert [(kind, record) for kind, record, _ in found] == [
        ("print.deleted", f"print {valid} of certificate {number}")
    ]
    assert void != valid


def test_a_swapped_serial_and_a_print_without_an_event_are_found(empty_db_url: str, tmp_path: Path) -> None:
    made = on_database(empty_db_url, lambda db: build(db, tmp_path / "keys"))
    first, second = made[0].number, made[1].number
    swapped = update(CertificatePrint).where(CertificatePrint.number == first).values(serial="HN9999999")
    forged = insert(CertificatePrint).values(
        number=second, serial="HN8888888", given=True, replaces=None, reason="", printed_at=datetime.now(UTC),
        log_index=0,
    )  # fmt: skip
    on_database(empty_db_url, lambda db: sql(db, swapped, forged))
    found = {(kind, record): message for kind, record, message in findings_of(empty_db_url, tmp_path)}
    assert set(found) >= {
        ("print.changed", f"print HN9999999 of certificate {first}"),
        ("print.unlogged", f"print HN8888888 of certificate {second}"),
    }
    assert "serial" in found[("print.changed", f"print HN9999999 of certificate {first}")]
