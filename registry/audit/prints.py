"""Auditing the prints of certificates against the log (NUMBERING.md "Print serial and reissue").

A certificate's first print is named by its ``certificate.issued`` event (``print_serial``), every later one
by a ``certificate.reprinted`` event (serial, the serial it voids, operator-given or not, why). So each print
row must be what its event says, follow the print before it (a reprint voids exactly the serial that was
valid), and each such event must still have its row: a void print turned valid again, a serial swapped for
another blank's or a reprint deleted are found and named by serial and certificate. Certificates stored
before migration 0005 have issue events without a serial and no print; nothing is expected of them.

Streamed by (number, leaf index) and by leaf index in chunks, in constant memory.
"""

from __future__ import annotations

from typing import Any, Final

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.findings import AuditProgress, AuditReport, Finding
from registry.events import EventKind, decode_entry, from_micros
from registry.log.paging import in_chunks
from registry.models import Certificate, CertificatePrint, Event

CHUNK: Final = 2000
ISSUED: Final = EventKind.CERTIFICATE_ISSUED.value
REPRINTED: Final = EventKind.CERTIFICATE_REPRINTED.value


def _details(data: bytes | None) -> dict[str, Any] | None:
    if data is None:
        return None
    try:
        return decode_entry(data).details
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None  # reported as a changed event by the log audit


def _logged_at(data: bytes) -> Any:
    try:
        return from_micros(decode_entry(data).at_us)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None


def print_differences(row: Any, previous: str | None) -> list[str]:
    """What the print ``row`` (joined with the event at its ``log_index``) no longer shares with that event,
    given the serial of the print before it (``None`` for a first print)."""
    details = _details(row.event_data) or {}
    if row.event_kind == ISSUED:
        given = details.get("print_given") is True  # an imported certificate's recorded serial (docs/legacy.md)
        expected: dict[str, Any] = {"serial": details.get("print_serial"), "given": given, "replaces": None,
                                    "reason": ""}  # fmt: skip
    else:
        expected = {"serial": details.get("serial"), "given": details.get("given"), "replaces": details.get("replaces"),
                    "reason": row.event_reason}  # fmt: skip
    stored = {"serial": row.serial, "given": row.given, "replaces": row.replaces, "reason": row.reason}
    found = [name for name, value in expected.items() if stored[name] != value]
    if row.printed_at != _logged_at(row.event_data):
        found.append("printed_at")
    if row.replaces != previous:
        found.append(f"chain (the print before it is {previous or 'none'})")
    if row.certificate is None:
        found.append("certificate (no such certificate)")
    return found


def check_print(report: AuditReport, row: Any, previous: str | None) -> None:
    """Report how the print ``row`` is not what its event logged."""
    where = f"print {row.serial} of certificate {row.number}"
    own = row.event_subject == row.number and row.event_kind in (ISSUED, REPRINTED)
    if not own:
        report.add(
            Finding.PRINT_UNLOGGED,
            where,
            f"证书 {row.number} 的印制流水码 {row.serial} 没有自己的事件（第 {row.log_index} 条）/ {where} has no "
            f"issue or reprint event of its own at leaf {row.log_index}",
        )
    elif changed := print_differences(row, previous):
        report.add(
            Finding.PRINT_CHANGED,
            where,
            f"证书 {row.number} 的印制流水码 {row.serial} 与日志不符：{', '.join(changed)} / {where} differs from "
            f"its event (leaf {row.log_index}): {', '.join(changed)}",
        )


async def _check_rows(session: AsyncSession, report: AuditReport, progress: AuditProgress) -> None:
    progress.stage("prints", int(await session.scalar(select(func.count()).select_from(CertificatePrint)) or 0))
    rows = (
        select(
            CertificatePrint.number, CertificatePrint.log_index, CertificatePrint.serial, CertificatePrint.given,
            CertificatePrint.replaces, CertificatePrint.reason, CertificatePrint.printed_at,
            Event.kind.label("event_kind"), Event.subject.label("event_subject"),
            Event.reason.label("event_reason"), Event.data.label("event_data"),
            Certificate.number.label("certificate"),
        )
        .outerjoin(Event, Event.idx == CertificatePrint.log_index)
        .outerjoin(Certificate, Certificate.number == CertificatePrint.number)
    )  # fmt: skip
    number, previous = None, None
    async for chunk in in_chunks(session, rows, [CertificatePrint.number, CertificatePrint.log_index], CHUNK):
        for row in chunk:
            if row.number != number:
                number, previous = row.number, None
            check_print(report, row, previous)
            previous = row.serial
        report.prints += len(chunk)
        progress.advance(len(chunk))


async def _check_events(session: AsyncSession, report: AuditReport) -> None:
    """Every logged print still has its row (issue events before migration 0005 name no serial)."""
    orphans = (
        select(Event.idx, Event.kind, Event.subject, Event.data)
        .outerjoin(CertificatePrint, CertificatePrint.log_index == Event.idx)
        .where(Event.kind.in_((ISSUED, REPRINTED)), CertificatePrint.id.is_(None))
    )
    async for chunk in in_chunks(session, orphans, [Event.idx], CHUNK):
        for idx, kind, number, data in chunk:
            details = _details(data) or {}
            serial = details.get("print_serial" if kind == ISSUED else "serial")
            if not isinstance(serial, str):
                continue
            where = f"print {serial} of certificate {number}"
            report.add(
                Finding.PRINT_DELETED,
                where,
                f"证书 {number} 的印制流水码 {serial} 已记入日志（第 {idx} 条），但记录已被删除 / {where} is logged "
                f"(leaf {idx}) but its row is gone",
            )


async def audit_prints(session: AsyncSession, report: AuditReport, progress: AuditProgress) -> None:
    """Check every print row against its event and its certificate's chain, then every logged print."""
    await _check_rows(session, report, progress)
    await _check_events(session, report)
