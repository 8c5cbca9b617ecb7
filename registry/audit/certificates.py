"""Auditing certificates against the log: each row against its signed statement, its signature and its
``certificate.issued`` event, and each issue event against its row.

A certificate at its own issue event is checked in the log's one pass in leaf order (:mod:`registry.audit.log`:
the event read and decoded once for the leaf, the certificate and its print, in the audit's worker processes);
this module holds those checks, and reads set-wise (an anti-join) only the rows that are *not* at their own
event, which the pass cannot meet. The per-row costs that matter are the Ed25519 verification and these checks
(issue 12).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any, Final

import msgspec
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from keys.errors import KeyCompromisedError, KeysError
from keys.keyset import KeySet
from keys.signing import SIGNATURE_BYTES, verify_signature
from registry.audit.findings import AuditReport, Finding
from registry.audit.screening import parsed_values, raw_statement, screened
from registry.calendar import province_day
from registry.certificates import NewCertificate, row_digest_of
from registry.events import EventKind, LogEntry, from_micros
from registry.log.paging import value_chunks
from registry.models import Certificate, Event
from registry.statement import DOMAIN, Statement, StatementError, days_since_epoch, decode_statement
from registry.vocab import CertificateKind

CHUNK: Final = 2000
ISSUED: Final = EventKind.CERTIFICATE_ISSUED.value


class CertificateRow(NewCertificate, array_like=True, frozen=True, kw_only=True, gc=False):
    """A certificate row as the checks read it (decoded from a chunk's MessagePack, in this field order:
    :data:`ROW_COLUMNS`): :class:`NewCertificate`'s fields in its order (inherited), then ``log_index``."""

    log_index: int


ROW_COLUMNS: Final = tuple(getattr(Certificate, name) for name in CertificateRow.__struct_fields__)
#: Where :attr:`CertificateRow.log_index` is among :data:`ROW_COLUMNS` (the last: the others are
#: :class:`NewCertificate`'s fields in its order, what ``row_sha256`` is the digest of).
LOG_INDEX_AT: Final = len(NewCertificate.__struct_fields__)


def _statement_code(kind: str) -> int | None:
    try:
        return CertificateKind(kind).statement_code
    except ValueError:
        return None


_STATEMENT_FIELDS: Final = (
    "number", "kind", "holder_name", "holder_id_masked", "subject_code", "level", "institution_code",
    "authority_code", "issued_on", "kid",
)  # fmt: skip
_EVENT_FIELDS: Final = (
    "kind",
    "statement_sha256",
    "signature_sha256",
    "kid",
    "institution",
    "authority",
    "batch",
    "supersedes",
)
_HOUR_US: Final = 3_600_000_000


class RowChecks:
    """What the checks of many rows share, worked out once per worker rather than once per row (issue 12:
    the per-row Python around the Ed25519 verification was half the audit's CPU).

    ``trusted`` maps (kid, authority, issue day) to the raw public key once the key set passed every check
    of :meth:`keys.keyset.KeySet.verify` but the signature itself for that triple (a batch shares it), so the
    next rows of the triple go straight to the signature; ``days`` maps an hour (UTC) to its province day
    (UTC+8 is whole hours, so every moment of an hour falls on the same day)."""

    def __init__(self, keyset: KeySet) -> None:
        self.keyset = keyset
        self.trusted: dict[tuple[str, str, int], bytes] = {}
        self.days: dict[int, date] = {}
        self.codes: dict[str, int | None] = {}

    def statement_code(self, kind: str) -> int | None:
        if kind not in self.codes:
            self.codes[kind] = _statement_code(kind)
        return self.codes[kind]

    def logged_on(self, at_us: int) -> date:
        """The province day of the log time ``at_us`` (microseconds since 1970, UTC)."""
        hour = at_us // _HOUR_US
        day = self.days.get(hour)
        if day is None:
            day = self.days[hour] = province_day(from_micros(hour * _HOUR_US))
        return day


def _statement(data: bytes) -> Statement | StatementError:
    """The decoded statement, or why it does not decode (decoded once per row, for every check)."""
    try:
        return decode_statement(data)
    except StatementError as exc:
        return exc


def statement_differences(row: Any, st: Statement | StatementError, checks: RowChecks) -> list[str]:
    """Row fields that differ from the signed statement ``st`` (``["statement"]`` when it does not decode)."""
    if isinstance(st, StatementError):
        return ["statement"]
    signed = (st.number, st.kind, st.holder_name, st.holder_id_masked, st.subject_code, st.level,
              st.institution_code, st.authority_code, st.issued_on, st.kid)  # fmt: skip
    stored = (row.number, checks.statement_code(row.kind), row.holder_name, row.holder_id_masked,
              row.subject_code, row.level, row.institution_code, row.authority_code, days_since_epoch(row.issued_on),
              row.kid)  # fmt: skip
    return _differing(_STATEMENT_FIELDS, signed, stored)


def _differing(names: Sequence[str], first: tuple[Any, ...], second: tuple[Any, ...]) -> list[str]:
    """The names of the places where ``first`` and ``second`` differ (one comparison when they do not)."""
    if first == second:
        return []
    return [name for name, a, b in zip(names, first, second, strict=True) if a != b]


def event_differences(row: Any, entry: LogEntry | None) -> list[str]:
    """What the ``certificate.issued`` event (decoded; ``None`` when its bytes do not decode) committed to
    that the row no longer matches."""
    if entry is None:
        return ["issue event"]
    details = entry.details
    stored = (row.kind, hashlib.sha256(row.statement).digest(), hashlib.sha256(row.signature).digest(), row.kid,
              row.institution_code, row.authority_code, row.batch_id, row.supersedes)  # fmt: skip
    logged = tuple(map(details.get, _EVENT_FIELDS))
    differences = _differing(_EVENT_FIELDS, logged, stored)
    if "row_sha256" in details and details["row_sha256"] != row_digest_of(msgspec.structs.astuple(row)[:LOG_INDEX_AT]):
        differences.append("row (holder ID digest, assessed-on date, subject type or batch row)")
    return differences


def backdating_problem(row: Any, entry: LogEntry, checks: RowChecks) -> str | None:
    """Why the statement's issue date is not the day its issue event entered the log (one day of grace
    for a batch that straddles midnight), or None. A stolen key can sign any date; the log cannot."""
    logged_on = checks.logged_on(entry.at_us)
    if logged_on - timedelta(days=1) <= row.issued_on <= logged_on:
        return None
    return f"issued_on {row.issued_on.isoformat()} but logged on {logged_on.isoformat()}"


def signature_problem(row: Any, st: Statement | StatementError, checks: RowChecks) -> str | None:
    """Why the statement's signature does not verify, or ``None`` (what :func:`verify_statement` checks). A
    key compromised later is not the row's fault: the raw signature is checked then (the key's status is in
    the log as its own event)."""
    if isinstance(st, StatementError):
        return str(st)
    triple = (st.kid, st.authority_code, st.issued_on)
    message, signature = DOMAIN + row.statement, row.signature
    key = checks.trusted.get(triple)
    if key is None or not (isinstance(signature, bytes) and len(signature) == SIGNATURE_BYTES):
        return _checked_by_keyset(st, message, signature, checks)
    try:
        verify_signature(public_key=key, message=message, signature=signature)  # the last step of KeySet.verify
    except KeysError as exc:
        return str(exc)
    return None


def _checked_by_keyset(st: Statement, message: bytes, signature: bytes, checks: RowChecks) -> str | None:
    """:meth:`KeySet.verify` in full; a pass makes the row's (kid, authority, day) trusted for the next rows."""
    keyset = checks.keyset
    try:
        keyset.verify(
            kid=st.kid, message=message, signature=signature, signed_on=st.issued_date, authority=st.authority_code
        )
    except KeyCompromisedError:
        info = keyset.get(st.kid)
        try:
            verify_signature(public_key=info.raw_public_key if info else b"", message=message, signature=signature)
        except KeysError as exc:
            return str(exc)
    except KeysError as exc:
        return str(exc)
    else:
        info = keyset.get(st.kid)
        if info is not None:
            checks.trusted[(st.kid, st.authority_code, st.issued_on)] = info.raw_public_key
    return None


def _check_against_event(report: AuditReport, row: Any, where: str, checks: RowChecks, entry: LogEntry | None) -> None:
    number = row.number
    if changed := event_differences(row, entry):
        report.add(
            Finding.CERTIFICATE_CHANGED,
            where,
            f"证书 {number} 与签发事件不符：{', '.join(changed)} / {where} differs from its issue event "
            f"(leaf {row.log_index}): {', '.join(changed)}",
        )
    if entry is not None and (backdated := backdating_problem(row, entry, checks)):
        report.add(
            Finding.CERTIFICATE_BACKDATED, where, f"证书 {number} 的签发日期与记入日志的日期不符 / {where}: {backdated}"
        )


def check_certificate(
    report: AuditReport,
    row: Any,
    checks: RowChecks,
    event: tuple[str | None, str | None],
    entry: LogEntry | None,
) -> None:
    """Report every way ``row`` is not what was issued and logged, given the event at its ``log_index`` (its
    ``kind`` and ``subject`` columns, ``None`` when there is none, and its bytes decoded once by the caller:
    ``entry``, ``None`` when they do not decode)."""
    number, where = row.number, f"certificate {row.number}"
    event_kind, event_subject = event
    if event_kind is None:
        report.add(
            Finding.CERTIFICATE_UNLOGGED,
            where,
            f"证书 {number} 的日志序号 {row.log_index} 处没有事件 / {where}: leaf {row.log_index} does not exist",
        )
    elif event_kind != ISSUED or event_subject != number:
        report.add(
            Finding.CERTIFICATE_UNLOGGED,
            where,
            f"证书 {number} 没有自己的签发事件（第 {row.log_index} 条是 {event_kind} {event_subject}） / "
            f"{where} has no issue event of its own: leaf {row.log_index} is {event_kind} of {event_subject}",
        )
    else:
        _check_against_event(report, row, where, checks, entry)
    st = _statement(row.statement)  # once for the field comparison and the signature
    if changed := statement_differences(row, st, checks):
        report.add(
            Finding.CERTIFICATE_CHANGED,
            where,
            f"证书 {number} 与签名声明不符：{', '.join(changed)} / {where} differs from its signed statement: "
            f"{', '.join(changed)}",
        )
    if (problem := signature_problem(row, st, checks)) is not None:
        report.add(Finding.CERTIFICATE_BAD_SIGNATURE, where, f"证书 {number} 的签名无效 / {where}: {problem}")


def check_issue_without_row(report: AuditReport, idx: int, number: str, points_at: int | None) -> None:
    """Report the issue event at leaf ``idx`` of certificate ``number`` whose row is gone (``points_at`` is
    ``None``) or points at another leaf."""
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


#: This worker's :class:`RowChecks`, by the key set's JSON (one entry: an audit has one key set).
_CHECKS: Final[dict[bytes, RowChecks]] = {}


def row_checks(keyset: KeySet) -> RowChecks:
    """This process's :class:`RowChecks` of ``keyset``, kept while the key set is the same (a worker checks
    many chunks)."""
    name = keyset.to_json()
    checks = _CHECKS.get(name)
    if checks is None:
        _CHECKS.clear()
        checks = _CHECKS[name] = RowChecks(keyset)
    return checks


async def audit_unlogged_certificates(session: AsyncSession, report: AuditReport, keyset: KeySet) -> None:
    """Check, in this process, the certificate rows the log's pass cannot meet: those whose ``log_index`` is
    not their own ``certificate.issued`` event (none in a registry nobody tampered with; one anti-join, run
    only when the table holds more rows than the pass met: ``report.certificates`` so far — each row meets
    the pass at most once, its number being the key — a count is far cheaper at a million rows)."""
    if await session.scalar(select(func.count()).select_from(Certificate)) == report.certificates:
        return
    not_own = or_(Event.idx.is_(None), Event.kind != ISSUED, Event.subject != Certificate.number)
    rows = (
        select(*ROW_COLUMNS, Event.kind, Event.subject)
        .outerjoin(Event, Event.idx == Certificate.log_index)
        .where(not_own)
    )
    checks = row_checks(keyset)
    width = len(ROW_COLUMNS)
    dialect = (await session.connection()).dialect
    async for chunk in value_chunks(session, raw_statement(rows), [Certificate.number], CHUNK):
        parsed = parsed_values(chunk, rows, dialect)  # a tampered row is what this reads: values as stored
        decoded = screened(report, CertificateRow, [v[:width] for v in parsed], _where, Finding.CERTIFICATE_CHANGED)
        for values, row in zip(parsed, decoded, strict=True):
            if row is not None:
                check_certificate(report, row, checks, (values[width], values[width + 1]), None)
        report.certificates += len(chunk)


def _where(values: Sequence[Any]) -> str:
    return f"certificate {values[0]}"
