"""Auditing the prints of certificates against the log (NUMBERING.md "Print serial and reissue").

A certificate's first print is named by its ``certificate.issued`` event (``print_serial``), every later one
by a ``certificate.reprinted`` event (serial, the serial it voids, operator-given or not, why). So each print
row must be what its event says, follow the print before it (a reprint voids exactly the serial that was
valid), and each such event must still have its row: a void print turned valid again, a serial swapped for
another blank's or a reprint deleted are found and named by serial and certificate. Certificates stored
before migration 0005 have issue events without a serial and no print; nothing is expected of them.

Streamed by (number, leaf index) and by leaf index in chunks, in constant memory; the rows are checked in the
audit's worker processes (:mod:`registry.audit.parallel`), each event decoded once — run in the reading
process, this check was three quarters of its CPU (issue 12). The reading process only carries the serial of
the print before each row (the chain) across chunk boundaries.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, Final

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.findings import AuditProgress, AuditReport, Discrepancy, Finding
from registry.audit.parallel import ChunkPool, encode_chunk
from registry.events import EventKind, LogEntry, decode_entry, from_micros
from registry.log.paging import in_chunks, value_chunks
from registry.models import Certificate, CertificatePrint, Event

CHUNK: Final = 2000
ISSUED: Final = EventKind.CERTIFICATE_ISSUED.value
REPRINTED: Final = EventKind.CERTIFICATE_REPRINTED.value


class PrintRow(msgspec.Struct, array_like=True, frozen=True, gc=False):
    """A print joined with the event at its ``log_index`` and its certificate, and the serial of the print
    before it (``None`` for a number's first): what a worker checks (decoded from the chunk's MessagePack)."""

    number: str
    log_index: int
    serial: str
    given: bool
    replaces: str | None
    reason: str
    printed_at: datetime
    event_kind: str | None
    event_subject: str | None
    event_reason: str | None
    event_data: bytes | None
    certificate: str | None
    previous: str | None


def _entry(data: bytes | None) -> LogEntry | None:
    if data is None:
        return None
    try:
        return decode_entry(data)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None  # reported as a changed event by the log audit


def _details(data: bytes | None) -> dict[str, Any] | None:
    entry = _entry(data)
    return None if entry is None else entry.details


def print_differences(row: Any, previous: str | None) -> list[str]:
    """What the print ``row`` (joined with the event at its ``log_index``) no longer shares with that event,
    given the serial of the print before it (``None`` for a first print)."""
    entry = _entry(row.event_data)  # once, for the details and the time
    details = entry.details if entry is not None else {}
    if row.event_kind == ISSUED:
        given = details.get("print_given") is True  # an imported certificate's recorded serial (docs/legacy.md)
        expected: dict[str, Any] = {"serial": details.get("print_serial"), "given": given, "replaces": None,
                                    "reason": ""}  # fmt: skip
    else:
        expected = {"serial": details.get("serial"), "given": details.get("given"), "replaces": details.get("replaces"),
                    "reason": row.event_reason}  # fmt: skip
    stored = {"serial": row.serial, "given": row.given, "replaces": row.replaces, "reason": row.reason}
    found = [name for name, value in expected.items() if stored[name] != value]
    if entry is None or row.printed_at != from_micros(entry.at_us):
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


_DECODE: Final = msgspec.msgpack.Decoder(list[PrintRow])


def check_print_chunk(chunk: bytes) -> list[Discrepancy]:
    """What :func:`check_print` finds in ``chunk`` (:func:`encode_chunk` of tuples in :class:`PrintRow`
    order): the work of one worker."""
    report = AuditReport()
    for row in _DECODE.decode(chunk):
        check_print(report, row, row.previous)
    return report.discrepancies


_ROWS: Final = (
    select(
        CertificatePrint.number, CertificatePrint.log_index, CertificatePrint.serial, CertificatePrint.given,
        CertificatePrint.replaces, CertificatePrint.reason, CertificatePrint.printed_at, Event.kind, Event.subject,
        Event.reason, Event.data, Certificate.number,
    )
    .outerjoin(Event, Event.idx == CertificatePrint.log_index)
    .outerjoin(Certificate, Certificate.number == CertificatePrint.number)
)  # fmt: skip


async def _check_rows(session: AsyncSession, report: AuditReport, progress: AuditProgress, pool: ChunkPool) -> None:
    progress.stage("prints", int(await session.scalar(select(func.count()).select_from(CertificatePrint)) or 0))

    async def chunks() -> AsyncIterator[bytes]:
        number, previous = None, None
        async for chunk in value_chunks(session, _ROWS, [CertificatePrint.number, CertificatePrint.log_index], CHUNK):
            rows = []
            for row in chunk:
                if row[0] != number:
                    number, previous = row[0], None
                rows.append((*row, previous))
                previous = row[2]
            yield encode_chunk(rows)
            report.prints += len(chunk)
            progress.advance(len(chunk))

    async for found in pool.map(check_print_chunk, chunks()):
        report.discrepancies.extend(found)


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


async def audit_prints(
    session: AsyncSession, report: AuditReport, progress: AuditProgress, pool: ChunkPool | None = None
) -> None:
    """Check every print row against its event and its certificate's chain (in ``pool``'s workers; in this
    process without one), then every logged print."""
    await _check_rows(session, report, progress, pool or ChunkPool(1))
    await _check_events(session, report)
