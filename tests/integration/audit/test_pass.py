"""The audit's one pass in leaf order (issue 12) and the anti-joins beside it: a leaf met twice, a certificate
or a print moved off its own event — each found and named, on one core and on two."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import insert, select, update

import registry.audit.log
from registry.audit.findings import AuditReport
from registry.audit.run import run_audit
from registry.db import Database
from registry.models import Certificate, CertificatePrint, Event
from tests.integration.log.tampering import ORIGIN, build, sql


async def audits(database: Database, monkeypatch: pytest.MonkeyPatch) -> AuditReport:
    """The report on one core, after checking that two worker processes (ranges of 3 leaves, many in
    flight) give the same one."""
    monkeypatch.setattr(registry.audit.log, "CHUNK", 3)
    one = await run_audit(database, ORIGIN, processes=1)
    two = await run_audit(database, ORIGIN, processes=2)
    assert two.discrepancies == one.discrepancies
    assert (two.leaves, two.certificates, two.prints) == (one.leaves, one.certificates, one.prints)
    return one


async def print_of(database: Database, number: str) -> tuple[int, str]:
    """(leaf index, serial) of the first print of certificate ``number``."""
    async with database.reader() as session:
        row = (
            await session.execute(
                select(CertificatePrint.log_index, CertificatePrint.serial).where(CertificatePrint.number == number)
            )
        ).one()
    return row[0], row[1]


async def built_with_print(database: Database, tmp_path: Path, which: int) -> tuple[str, int, str]:
    """Six certificates built; the number of the ``which``-th and (leaf index, serial) of its first print."""
    made = await build(database, tmp_path / "keys", count=6)
    number = made[which].number
    return number, *await print_of(database, number)


async def test_a_second_print_row_at_a_leaf_is_found_and_the_leaf_checked_once(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    number, leaf, serial = await built_with_print(database, tmp_path, 2)
    async with database.reader() as session:
        printed_at = await session.scalar(select(Event.at).where(Event.idx == leaf))
    await sql(
        database,
        insert(CertificatePrint).values(
            number=number, serial="HN7777777", given=False, replaces=None, reason="", printed_at=printed_at,
            log_index=leaf,
        ),
    )  # fmt: skip
    report = await audits(database, monkeypatch)
    where = f"print HN7777777 of certificate {number}"
    assert [(d.kind.value, d.record) for d in report.discrepancies] == [("print.changed", where)]
    message = report.discrepancies[0].message
    assert "serial" in message
    assert f"chain (the print before it is {serial})" in message
    assert (report.leaves, report.certificates, report.prints) == (12, 6, 7)  # the leaf once, both prints


async def test_a_certificate_moved_onto_another_ones_issue_event_is_found_by_the_anti_join(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = await build(database, tmp_path / "keys", count=6)
    moved, other = made[1].number, made[4].number
    own, _ = await print_of(database, moved)
    elsewhere, _ = await print_of(database, other)
    await sql(database, update(Certificate).where(Certificate.number == moved).values(log_index=elsewhere))
    report = await audits(database, monkeypatch)
    found = {(d.kind.value, d.record): d.message for d in report.discrepancies}
    record = f"certificate {moved}"
    changed, unlogged = ("certificate.changed", record), ("certificate.unlogged", record)
    assert set(found) == {changed, unlogged}  # its own issue event met in the pass; the row by the anti-join
    assert f"has another issue event at leaf {own}; its row points at leaf {elsewhere}" in found[changed]
    assert f"leaf {elsewhere} is certificate.issued of {other}" in found[unlogged]
    assert report.certificates == 6


async def test_a_print_moved_off_its_event_is_unlogged_and_its_event_misses_it(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    number, own, serial = await built_with_print(database, tmp_path, 3)
    await sql(database, update(CertificatePrint).where(CertificatePrint.number == number).values(log_index=0))
    report = await audits(database, monkeypatch)
    where = f"print {serial} of certificate {number}"
    assert sorted((d.kind.value, d.record) for d in report.discrepancies) == [
        ("print.deleted", where),  # the issue event's print, met in the pass, has no row at that leaf
        ("print.unlogged", where),  # the row, found by the anti-join
    ]
    deleted = next(d for d in report.discrepancies if d.kind.value == "print.deleted")
    assert f"(leaf {own})" in deleted.message
    assert report.prints == 6
