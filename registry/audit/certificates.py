"""Auditing certificates against the log: each row against its signed statement, its signature and its
``certificate.issued`` event, and each issue event against its row.

Streamed by certificate number and by leaf index in chunks, so millions of certificates take constant memory;
the chunks are checked across every core (:mod:`registry.audit.parallel`), each row's issue event decoded
once. The per-row costs that matter are the Ed25519 verification and these checks (issue 12).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import AsyncIterator, Sequence
from datetime import date, timedelta
from typing import Any, Final

import msgspec
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from keys.errors import KeyCompromisedError, KeysError
from keys.keyset import KeySet
from keys.signing import verify_signature
from registry.audit.findings import AuditProgress, AuditReport, Discrepancy, Finding
from registry.audit.parallel import ChunkPool
from registry.calendar import province_day
from registry.certificates import NewCertificate, row_digest
from registry.events import EventKind, LogEntry, decode_entry, from_micros
from registry.log.paging import in_chunks
from registry.models import Certificate, Event
from registry.statement import DOMAIN, StatementError, days_since_epoch, decode_statement, verify_statement
from registry.vocab import CertificateKind

CHUNK: Final = 2000
ISSUED: Final = EventKind.CERTIFICATE_ISSUED.value


class CertificateRow(msgspec.Struct, array_like=True, frozen=True, gc=False):
    """A certificate joined with the event at its ``log_index``: what a worker process checks (a plain tuple
    crosses the process boundary; this gives it names again)."""

    number: str
    kind: str
    holder_name: str
    holder_id_masked: str
    subject_code: str
    level: int
    institution_code: str
    authority_code: str
    issued_on: date
    statement: bytes
    signature: bytes
    kid: str
    log_index: int
    batch_id: int | None
    supersedes: str | None
    holder_id_digest: bytes
    subject_type: str
    assessed_on: date
    batch_row_no: int | None
    event_kind: str | None
    event_subject: str | None
    event_data: bytes | None


_ROW_COLUMNS: Final = (
    Certificate.number, Certificate.kind, Certificate.holder_name, Certificate.holder_id_masked,
    Certificate.subject_code, Certificate.level, Certificate.institution_code, Certificate.authority_code,
    Certificate.issued_on, Certificate.statement, Certificate.signature, Certificate.kid, Certificate.log_index,
    Certificate.batch_id, Certificate.supersedes, Certificate.holder_id_digest, Certificate.subject_type,
    Certificate.assessed_on, Certificate.batch_row_no, Event.kind, Event.subject, Event.data,
)  # fmt: skip


def _statement_code(kind: str) -> int | None:
    try:
        return CertificateKind(kind).statement_code
    except ValueError:
        return None


def statement_differences(row: Any) -> list[str]:
    """Row fields that differ from the signed statement (``["statement"]`` when it does not decode)."""
    try:
        st = decode_statement(row.statement)
    except StatementError:
        return ["statement"]
    pairs = {
        "number": (st.number, row.number),
        "kind": (st.kind, _statement_code(row.kind)),
        "holder_name": (st.holder_name, row.holder_name),
        "holder_id_masked": (st.holder_id_masked, row.holder_id_masked),
        "subject_code": (st.subject_code, row.subject_code),
        "level": (st.level, row.level),
        "institution_code": (st.institution_code, row.institution_code),
        "authority_code": (st.authority_code, row.authority_code),
        "issued_on": (st.issued_on, days_since_epoch(row.issued_on)),
        "kid": (st.kid, row.kid),
    }
    return [name for name, (signed, stored) in pairs.items() if signed != stored]


def _decoded(data: bytes | LogEntry) -> LogEntry | None:
    if isinstance(data, LogEntry):
        return data
    try:
        return decode_entry(data)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None


def event_differences(row: Any, data: bytes | LogEntry) -> list[str]:
    """What the ``certificate.issued`` event (its bytes, or the entry already decoded) committed to that the
    row no longer matches."""
    entry = _decoded(data)
    if entry is None:
        return ["issue event"]
    details = entry.details
    expected: dict[str, Any] = {
        "kind": row.kind,
        "statement_sha256": hashlib.sha256(row.statement).digest(),
        "signature_sha256": hashlib.sha256(row.signature).digest(),
        "kid": row.kid,
        "institution": row.institution_code,
        "authority": row.authority_code,
        "batch": row.batch_id,
        "supersedes": row.supersedes,
    }
    differences = [name for name, value in expected.items() if details.get(name) != value]
    if "row_sha256" in details and details["row_sha256"] != row_digest(
        msgspec.convert(row, NewCertificate, from_attributes=True)
    ):
        differences.append("row (holder ID digest, assessed-on date, subject type or batch row)")
    return differences


def backdating_problem(row: Any, data: bytes | LogEntry) -> str | None:
    """Why the statement's issue date is not the day its issue event entered the log (one day of grace
    for a batch that straddles midnight), or None. A stolen key can sign any date; the log cannot."""
    entry = _decoded(data)
    if entry is None:
        return None  # reported as a changed event already
    logged_on = province_day(from_micros(entry.at_us))
    if logged_on - timedelta(days=1) <= row.issued_on <= logged_on:
        return None
    return f"issued_on {row.issued_on.isoformat()} but logged on {logged_on.isoformat()}"


def signature_problem(row: Any, keyset: KeySet) -> str | None:
    """Why the statement's signature does not verify, or ``None``. A key compromised later is not the row's
    fault: the raw signature is checked then (the key's status is in the log as its own event)."""
    try:
        verify_statement(row.statement, row.signature, keyset)
    except KeyCompromisedError:
        info = keyset.get(row.kid)
        try:
            verify_signature(
                public_key=info.raw_public_key if info else b"", message=DOMAIN + row.statement, signature=row.signature
            )
        except KeysError as exc:
            return str(exc)
    except (StatementError, KeysError) as exc:
        return str(exc)
    return None


def _check_against_event(report: AuditReport, row: Any, where: str) -> None:
    number = row.number
    entry = _decoded(row.event_data)  # once for both checks
    if changed := event_differences(row, entry if entry is not None else row.event_data):
        report.add(
            Finding.CERTIFICATE_CHANGED,
            where,
            f"证书 {number} 与签发事件不符：{', '.join(changed)} / {where} differs from its issue event "
            f"(leaf {row.log_index}): {', '.join(changed)}",
        )
    if entry is not None and (backdated := backdating_problem(row, entry)):
        report.add(
            Finding.CERTIFICATE_BACKDATED, where, f"证书 {number} 的签发日期与记入日志的日期不符 / {where}: {backdated}"
        )


def check_certificate(report: AuditReport, row: Any, keyset: KeySet) -> None:
    """Report every way ``row`` (a certificate joined with the event at its ``log_index``) is not what was
    issued and logged."""
    number, where = row.number, f"certificate {row.number}"
    if row.event_kind is None:
        report.add(
            Finding.CERTIFICATE_UNLOGGED,
            where,
            f"证书 {number} 的日志序号 {row.log_index} 处没有事件 / {where}: leaf {row.log_index} does not exist",
        )
    elif row.event_kind != ISSUED or row.event_subject != number:
        report.add(
            Finding.CERTIFICATE_UNLOGGED,
            where,
            f"证书 {number} 没有自己的签发事件（第 {row.log_index} 条是 {row.event_kind} {row.event_subject}） / "
            f"{where} has no issue event of its own: leaf {row.log_index} is {row.event_kind} of {row.event_subject}",
        )
    else:
        _check_against_event(report, row, where)
    if changed := statement_differences(row):
        report.add(
            Finding.CERTIFICATE_CHANGED,
            where,
            f"证书 {number} 与签名声明不符：{', '.join(changed)} / {where} differs from its signed statement: "
            f"{', '.join(changed)}",
        )
    if (problem := signature_problem(row, keyset)) is not None:
        report.add(Finding.CERTIFICATE_BAD_SIGNATURE, where, f"证书 {number} 的签名无效 / {where}: {problem}")


def check_chunk(keyset: KeySet, rows: Sequence[Sequence[Any]]) -> list[Discrepancy]:
    """What :func:`check_certificate` finds in ``rows`` (tuples in :class:`CertificateRow` order): the work
    of one worker process."""
    report = AuditReport()
    for values in rows:
        check_certificate(report, CertificateRow(*values), keyset)
    return report.discrepancies


async def audit_certificates(
    session: AsyncSession, report: AuditReport, keyset: KeySet, progress: AuditProgress, pool: ChunkPool
) -> None:
    """Check every certificate row (in ``pool``'s workers), then every issue event without its row."""
    progress.stage("certificates", int(await session.scalar(select(func.count()).select_from(Certificate)) or 0))
    rows = select(*_ROW_COLUMNS).outerjoin(Event, Event.idx == Certificate.log_index)

    async def chunks() -> AsyncIterator[list[tuple[Any, ...]]]:
        async for chunk in in_chunks(session, rows, [Certificate.number], CHUNK):
            yield [tuple(row) for row in chunk]
            report.certificates += len(chunk)
            progress.advance(len(chunk))

    async for found in pool.map(functools.partial(check_chunk, keyset), chunks()):
        report.discrepancies.extend(found)
    orphans = (
        select(Event.idx, Event.subject, Certificate.log_index)
        .outerjoin(Certificate, Certificate.number == Event.subject)
        .where(Event.kind == ISSUED, or_(Certificate.number.is_(None), Certificate.log_index != Event.idx))
    )
    async for chunk in in_chunks(session, orphans, [Event.idx], CHUNK):
        for idx, number, points_at in chunk:
            if points_at is None:
                report.add(
                    Finding.CERTIFICATE_DELETED,
                    f"certificate {number}",
                    f"证书 {number} 已于第 {idx} 条签发，但记录已被删除 / certificate {number} was issued at leaf "
                    f"{idx} but its row is gone",
                )
            else:
                report.add(
                    Finding.CERTIFICATE_CHANGED,
                    f"certificate {number}",
                    f"证书 {number} 在第 {idx} 条也有签发事件，记录却指向第 {points_at} 条 / certificate {number} "
                    f"has another issue event at leaf {idx}; its row points at leaf {points_at}",
                )
