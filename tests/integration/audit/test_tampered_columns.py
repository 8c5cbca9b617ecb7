"""A column changed in the database to a value of no valid kind (text in a SQLite date, integer or binary
column: SQLite keeps whatever it is given) ends no audit: the audit finishes and reports the row and the column,
and ``certreg audit`` exits 1 as for any other discrepancy (docs/log.md "Columns holding no valid value").

PostgreSQL refuses such values (its columns are typed and the audit's columns are NOT NULL or nullable by
design), so these changes are made on SQLite only; the audit's screening is the same code on both."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, text

from registry.audit.run import run_audit
from registry.db import Database
from registry.models import CertificatePrint
from tests.integration.audit.test_pass import audits
from tests.integration.cli.support import invoke
from tests.integration.log.tampering import ORIGIN, build, cli_env, on_database, sql

#: (table, column, SQL value, expected finding kind): each changed on one row the audit reads.
CASES = [
    ("event", "at", "'garbage'", "event.changed"),
    ("event", "data", "'garbage'", "event.changed"),
    ("event", "leaf_hash", "'garbage'", "event.changed"),
    ("event", "kind", "x'00'", "event.changed"),
    ("event", "reason", "x'ff'", "event.changed"),
    ("certificate", "issued_on", "'garbage'", "certificate.changed"),
    ("certificate", "assessed_on", "'2026-13-45'", "certificate.changed"),
    ("certificate", "level", "'garbage'", "certificate.changed"),
    ("certificate", "statement", "'garbage'", "certificate.changed"),
    ("certificate", "batch_id", "'garbage'", "certificate.changed"),
    ("certificate", "log_index", "'garbage'", "certificate.changed"),
    ("certificate_print", "printed_at", "'garbage'", "print.changed"),
    ("certificate_print", "reason", "x'ff'", "print.changed"),
]


#: PostgreSQL's typed columns refuse a value of another type: these tests run on SQLite alone (not generated,
#: rather than skipped, for PostgreSQL).
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


async def tampered(database: Database, tmp_path: Path, table: str, column: str, value: str) -> tuple[int, str, str]:
    """Three certificates built, then ``column`` of the third certificate's issue event / row / print set to
    ``value``; returns the leaf index, the certificate number and the print serial."""
    made = await build(database, tmp_path / "keys", count=3)
    number = made[2].number
    async with database.reader() as session:
        leaf, serial = (
            await session.execute(
                select(CertificatePrint.log_index, CertificatePrint.serial).where(CertificatePrint.number == number)
            )
        ).one()
    where = {"event": f"idx = {leaf}", "certificate": f"number = '{number}'"}.get(table, f"serial = '{serial}'")
    await sql(database, text(f"UPDATE {table} SET {column} = {value} WHERE {where}"))
    return leaf, number, serial


def record_of(kind: str, leaf: int, number: str, serial: str) -> str:
    return {
        "event.changed": f"leaf {leaf}",
        "certificate.changed": f"certificate {number}",
        "print.changed": f"print {serial} of certificate {number}",
    }[kind]


@SQLITE_ONLY
@pytest.mark.parametrize(("table", "column", "value", "kind"), CASES, ids=[f"{c[0]}.{c[1]}" for c in CASES])
async def test_a_column_holding_no_valid_value_is_a_finding_naming_the_row_and_the_column(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, table: str, column: str, value: str, kind: str
) -> None:
    leaf, number, serial = await tampered(database, tmp_path, table, column, value)
    report = await audits(database, monkeypatch)
    record = record_of(kind, leaf, number, serial)
    named = [d for d in report.discrepancies if (d.kind.value, d.record) == (kind, record)]
    assert named, report.discrepancies
    assert any(f"column(s) {column} hold no valid value" in d.message for d in named), named
    assert "certificate.deleted" not in {d.kind.value for d in report.discrepancies}  # no row is gone
    assert report.leaves == 9  # the audit went on to the end


@SQLITE_ONLY
async def test_a_print_whose_leaf_index_is_text_is_found_by_the_anti_join(database: Database, tmp_path: Path) -> None:
    _, number, serial = await tampered(database, tmp_path, "certificate_print", "log_index", "'garbage'")
    report = await run_audit(database, ORIGIN, processes=1)
    found = {(d.kind.value, d.record): d.message for d in report.discrepancies}
    where = f"print {serial} of certificate {number}"
    assert "column(s) log_index hold no valid value" in found[("print.changed", where)]
    assert ("print.deleted", where) in found  # its event no longer meets it


@SQLITE_ONLY
async def test_a_leaf_whose_index_is_text_is_found(database: Database, tmp_path: Path) -> None:
    leaf, _, _ = await tampered(database, tmp_path, "event", "idx", "'garbage'")
    report = await run_audit(database, ORIGIN, processes=1)
    found = {(d.kind.value, d.record): d.message for d in report.discrepancies}
    assert "column(s) idx hold no valid value" in found[("event.changed", "leaf 'garbage'")]
    assert ("log.truncated", f"leaves {leaf}-{leaf}") in found  # the last leaf: the events end before it


@SQLITE_ONLY
def test_certreg_audit_reports_a_garbage_event_time_and_exits_1(empty_db_url: str, tmp_path: Path) -> None:
    leaf, _, _ = on_database(empty_db_url, lambda db: tampered(db, tmp_path, "event", "at", "'garbage'"))
    result = invoke(cli_env(empty_db_url, tmp_path / "keys"), "audit")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 1
    findings = [line.split("\t") for line in result.output.splitlines() if "\t" in line]
    assert ["event.changed", f"leaf {leaf}"] in [found[:2] for found in findings]
    assert any("column(s) at hold no valid value" in found[2] for found in findings)


@pytest.mark.parametrize(
    ("table", "column", "kind"),
    [("certificate", "kind", "certificate.changed"), ("filing_status", "status", "filing.changed")],
    ids=["certificate.kind", "filing_status.status"],
)
async def test_a_garbage_kind_or_status_is_a_finding_on_both_databases(
    database: Database, tmp_path: Path, table: str, column: str, kind: str
) -> None:
    """Text columns whose values are names (a certificate's kind, a filing's status): any text fits the column on
    PostgreSQL too, and the audit reports a name that is none."""
    await build(database, tmp_path / "keys", count=3)
    await sql(database, text(f"UPDATE {table} SET {column} = 'garbage'"))
    report = await run_audit(database, ORIGIN, processes=1)
    assert kind in {d.kind.value for d in report.discrepancies}
    assert report.leaves == 9


#: Rows of the tables the other checks read (keys, filings), with a value of no valid kind (SQLite).
OTHER_CASES = [
    ("public_key", "valid_from", "key table"),
    ("filing", "valid_to", "filings"),
    ("filing_status", "effective_on", "filings"),
]


@SQLITE_ONLY
@pytest.mark.parametrize(("table", "column", "stage"), OTHER_CASES, ids=[f"{c[0]}.{c[1]}" for c in OTHER_CASES])
async def test_a_key_or_filing_row_holding_no_valid_value_is_named_and_the_rest_audited(
    database: Database, tmp_path: Path, table: str, column: str, stage: str
) -> None:
    """The row and its column are named (``row.invalid``), the check that could not read it says it stopped
    (``audit.incomplete``), and every other check still runs (the certificates' signatures hold: the key
    set comes from the log, not from the key table)."""
    await build(database, tmp_path / "keys", count=3)
    async with database.reader() as session:
        key = (await session.execute(text(f"SELECT {_KEYS[table]} FROM {table} LIMIT 1"))).scalar_one()
    await sql(
        database, text(f"UPDATE {table} SET {column} = 'garbage' WHERE {_KEYS[table]} = :key").bindparams(key=key)
    )
    report = await run_audit(database, ORIGIN, processes=1)
    found = {(d.kind.value, d.record): d.message for d in report.discrepancies}
    assert f"column(s) {column} hold no valid value" in found[("row.invalid", f"{table} {key}")]
    assert ("audit.incomplete", stage) in found
    assert (report.leaves, report.certificates, report.prints) == (9, 3, 3)
    assert not [d for d in report.discrepancies if d.kind.value.startswith("certificate.")]


_KEYS = {"public_key": "kid", "filing": "id", "filing_status": "id"}
