"""Auditing the prints of certificates against the log (NUMBERING.md "Print serial and reissue").

A certificate's first print is named by its ``certificate.issued`` event (``print_serial``), every later one
by a ``certificate.reprinted`` event (serial, the serial it voids, operator-given or not, why). So each print
row must be what its event says, follow the print before it (a reprint voids exactly the serial that was
valid), and each such event must still have its row: a void print turned valid again, a serial swapped for
another blank's or a reprint deleted are found and named by serial and certificate. Certificates stored
before migration 0005 have issue events without a serial and no print; nothing is expected of them.

A print at its own event, and an event whose print is gone, are checked in the log's one pass in leaf order
(:mod:`registry.audit.log`, in the audit's worker processes: the event read and decoded once for the leaf, the
certificate and the print); the serial of the print before each row (the chain) is read with it, by the
``(number, log_index)`` index (:func:`previous_serial`). This module holds those checks, and reads set-wise
(an anti-join) only the print rows that are *not* at their own event, which the pass cannot meet.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

import msgspec
from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from registry.audit.findings import AuditReport, Finding
from registry.audit.screening import parsed_values, raw_statement, screened
from registry.events import EventKind, LogEntry
from registry.log.paging import value_chunks
from registry.models import Certificate, CertificatePrint, Event

CHUNK: Final = 2000
ISSUED: Final = EventKind.CERTIFICATE_ISSUED.value
REPRINTED: Final = EventKind.CERTIFICATE_REPRINTED.value
PRINTED_BY: Final = (ISSUED, REPRINTED)
_FIELDS: Final = ("serial", "given", "replaces", "reason")


class PrintRow(msgspec.Struct, array_like=True, frozen=True, gc=False):
    """A print with its certificate's number (``None`` when that certificate is gone) and the serial of the
    print before it (``None`` for a number's first): what the checks read (:data:`ROW_COLUMNS` order)."""

    number: str
    log_index: int
    serial: str
    given: bool
    replaces: str | None
    reason: str
    printed_at: datetime
    certificate: str | None
    previous: str | None


def previous_serial() -> ColumnElement[Any]:
    """The serial of the print of the same number just before each print row (by leaf index, then id: a
    leaf index can hold two rows), or NULL: one probe of ``ix_certificate_print_number`` per row."""
    before = aliased(CertificatePrint)
    earlier = or_(
        before.log_index < CertificatePrint.log_index,
        and_(before.log_index == CertificatePrint.log_index, before.id < CertificatePrint.id),
    )
    return (
        select(before.serial)
        .where(before.number == CertificatePrint.number, earlier)
        .order_by(before.log_index.desc(), before.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def row_columns(certificate: Any) -> tuple[Any, ...]:
    """The columns of a :class:`PrintRow`, ``certificate`` the certificate table (or its alias) joined by number."""
    return (
        CertificatePrint.number, CertificatePrint.log_index, CertificatePrint.serial, CertificatePrint.given,
        CertificatePrint.replaces, CertificatePrint.reason, CertificatePrint.printed_at, certificate.number,
        previous_serial(),
    )  # fmt: skip


def print_differences(
    row: Any, event_kind: str, event_reason: str, entry: LogEntry | None, at: datetime | None
) -> list[str]:
    """What the print ``row`` no longer shares with its event (of ``event_kind``, with the ``reason`` column
    ``event_reason``; ``entry``: its bytes decoded, ``None`` when they do not decode, logged at ``at``), and
    whether it follows the print before it."""
    details = entry.details if entry is not None else {}
    if event_kind == ISSUED:
        given = details.get("print_given") is True  # an imported certificate's recorded serial (docs/legacy.md)
        expected: tuple[Any, ...] = (details.get("print_serial"), given, None, "")
    else:
        expected = (details.get("serial"), details.get("given"), details.get("replaces"), event_reason)
    stored = (row.serial, row.given, row.replaces, row.reason)
    found = [] if stored == expected else [name for name, a, b in zip(_FIELDS, stored, expected, strict=True) if a != b]
    if at is None or row.printed_at != at:
        found.append("printed_at")
    previous = row.previous
    if row.replaces != previous:
        found.append(f"chain (the print before it is {previous or 'none'})")
    if row.certificate is None:
        found.append("certificate (no such certificate)")
    return found


def check_print(
    report: AuditReport,
    row: Any,
    event: tuple[str | None, str | None, str | None],
    entry: LogEntry | None,
    at: datetime | None,
) -> None:
    """Report how the print ``row`` is not what the event at its ``log_index`` logged (that event's ``kind``,
    ``subject`` and ``reason`` columns, ``None`` when there is none, and its bytes decoded once by the caller:
    ``entry``, logged at ``at``)."""
    event_kind, event_subject, event_reason = event
    where = f"print {row.serial} of certificate {row.number}"
    if event_subject != row.number or event_kind not in PRINTED_BY:
        report.add(
            Finding.PRINT_UNLOGGED,
            where,
            f"证书 {row.number} 的印制流水码 {row.serial} 没有自己的事件（第 {row.log_index} 条）/ {where} has no "
            f"issue or reprint event of its own at leaf {row.log_index}",
        )
    elif changed := print_differences(row, event_kind, event_reason or "", entry, at):
        report.add(
            Finding.PRINT_CHANGED,
            where,
            f"证书 {row.number} 的印制流水码 {row.serial} 与日志不符：{', '.join(changed)} / {where} differs from "
            f"its event (leaf {row.log_index}): {', '.join(changed)}",
        )


def check_print_gone(report: AuditReport, idx: int, kind: str, number: str, entry: LogEntry | None) -> None:
    """Report the print that the issue or reprint event at leaf ``idx`` (decoded: ``entry``) logged when no
    row of it is left (issue events before migration 0005 name no serial: nothing is expected of them)."""
    details = entry.details if entry is not None else {}
    serial = details.get("print_serial" if kind == ISSUED else "serial")
    if not isinstance(serial, str):
        return
    where = f"print {serial} of certificate {number}"
    report.add(
        Finding.PRINT_DELETED,
        where,
        f"证书 {number} 的印制流水码 {serial} 已记入日志（第 {idx} 条），但记录已被删除 / {where} is logged "
        f"(leaf {idx}) but its row is gone",
    )


async def audit_unlogged_prints(session: AsyncSession, report: AuditReport) -> None:
    """Report, in this process, the print rows the log's pass cannot meet: those whose ``log_index`` is not
    their own issue or reprint event (none in a registry nobody tampered with; one anti-join, run only when
    the table holds more rows than the pass met, ``report.prints`` so far: each row meets it at most once, at
    the one leaf of its ``log_index``)."""
    if await session.scalar(select(func.count()).select_from(CertificatePrint)) == report.prints:
        return
    not_own = or_(Event.idx.is_(None), Event.kind.not_in(PRINTED_BY), Event.subject != CertificatePrint.number)
    rows = (
        select(CertificatePrint.id, *row_columns(Certificate), Event.kind, Event.subject)
        .outerjoin(Event, Event.idx == CertificatePrint.log_index)
        .outerjoin(Certificate, Certificate.number == CertificatePrint.number)
        .where(not_own)
    )
    dialect = (await session.connection()).dialect
    async for chunk in value_chunks(session, raw_statement(rows), [CertificatePrint.id], CHUNK):
        parsed = parsed_values(chunk, rows, dialect)  # a tampered row is what this reads: values as stored
        decoded = screened(report, PrintRow, [values[1:-2] for values in parsed], _where, Finding.PRINT_CHANGED)
        for values, row in zip(parsed, decoded, strict=True):
            if row is not None:
                check_print(report, row, (values[-2], values[-1], None), None, None)
        report.prints += len(chunk)


def _where(values: Sequence[Any]) -> str:
    return f"print {values[2]} of certificate {values[0]}"
