"""Auditing the filing tables against the log: each filing's row, scope and status history must be what its
``filing.created`` and ``filing.status`` events say.

A filing decides which certificates an institution may issue, so a suspension deleted, a revocation turned
back into "active", a scope row given another certificate kind or a consent it never had, or a filing
inserted behind the registry's back is as much a forgery as a changed certificate. Status histories are
compared as multisets of ``(status, effective_on, part)`` — ``part`` the occupation, levels and kind a
partial suspension names —: the order of rows and the wording of reasons are not what the rules act on.
Filings logged before migration 0005 carry no ``terms``: theirs are what the migration stored.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Final

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.findings import AuditReport, Finding
from registry.events import EventKind, decode_entry
from registry.models import Event, Filing, FilingScope, FilingStatusChange
from registry.refdata.filings import legacy_terms, scope_signature, scope_terms, status_part
from registry.vocab import FilingStatus

FILING_KINDS: Final = (EventKind.FILING_CREATED.value, EventKind.FILING_STATUS.value)
FilingKey = tuple[str, str]  # (institution code, filing reference)
Status = tuple[str, str, tuple[str, str, str]]  # (status, effective_on as ISO date, part: status_part)


@dataclass
class _Logged:
    """A filing as its events record it."""

    created: dict[str, Any] | None = None
    leaf: int = -1
    statuses: Counter[Status] = field(default_factory=Counter)


async def logged_filings(session: AsyncSession) -> dict[FilingKey, _Logged]:
    """Every filing the log records, by (institution, reference)."""
    rows = await session.execute(select(Event.idx, Event.data).where(Event.kind.in_(FILING_KINDS)).order_by(Event.idx))
    filings: dict[FilingKey, _Logged] = defaultdict(_Logged)
    for idx, data in rows:
        try:
            entry = decode_entry(data)
        except (msgspec.DecodeError, msgspec.ValidationError):
            continue  # reported as a changed event by the log audit
        institution, _, reference = entry.subject.removeprefix("filing:").partition(":")
        logged = filings[(institution, reference)]
        details = entry.details
        if entry.kind == EventKind.FILING_CREATED.value:
            logged.created, logged.leaf = details, idx
            logged.statuses[(FilingStatus.ACTIVE.value, str(details.get("valid_from")), _WHOLE)] += 1
        elif entry.kind == EventKind.FILING_STATUS.value:
            part = status_part(*(_text(details.get(name)) for name in ("subject", "levels", "kind")))
            logged.statuses[(str(details.get("status")), str(details.get("effective_on")), part)] += 1
    return filings


_WHOLE: Final = status_part(None, None, None)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _describe(statuses: Counter[Status]) -> str:
    return ", ".join(f"{status} {day}{_of(part)}" for status, day, part in sorted(statuses.elements()))


def _of(part: tuple[str, str, str]) -> str:
    named = "/".join(value for value in part if value)
    return f" ({named})" if named else ""


def _differences(row: Filing, scope: list[FilingScope], statuses: Counter[Status], logged: _Logged) -> list[str]:
    created = logged.created or {}
    stored = {
        "filed_by": row.filed_by,
        "valid_from": row.valid_from.isoformat(),
        "valid_to": row.valid_to.isoformat(),
        "scope": scope_signature(scope),
    }
    changed = [name for name, value in stored.items() if created.get(name) != value]
    logged_terms = created.get("terms")
    if not isinstance(logged_terms, str):  # logged before migration 0005
        logged_terms = legacy_terms(str(created.get("scope", "")))
    if scope_terms(scope) != logged_terms:
        changed.append("scope kinds or consent")
    if row.pilot != created.get("pilot", False):
        changed.append("pilot")
    if statuses != logged.statuses:
        changed.append(
            f"status history (not logged: {_describe(statuses - logged.statuses) or '-'}; "
            f"logged but missing: {_describe(logged.statuses - statuses) or '-'})"
        )
    return changed


async def audit_filings(session: AsyncSession, report: AuditReport) -> None:
    """Report every filing whose rows and events disagree, naming it by institution and reference."""
    logged = await logged_filings(session)
    rows = (await session.execute(select(Filing).order_by(Filing.id))).scalars().all()
    scopes: dict[int, list[FilingScope]] = defaultdict(list)
    for scope in (await session.execute(select(FilingScope).order_by(FilingScope.id))).scalars():
        scopes[scope.filing_id].append(scope)
    statuses: dict[int, Counter[Status]] = defaultdict(Counter)
    for change in (await session.execute(select(FilingStatusChange).order_by(FilingStatusChange.id))).scalars():
        part = status_part(change.subject_code, change.levels, change.kind)
        statuses[change.filing_id][(change.status, change.effective_on.isoformat(), part)] += 1
    seen: set[FilingKey] = set()
    for row in rows:
        key = (row.institution_code, row.reference)
        seen.add(key)
        where, event = f"filing {row.institution_code}:{row.reference}", logged.get(key)
        if event is None or event.created is None:
            report.add(
                Finding.FILING_UNLOGGED,
                where,
                f"备案 {row.reference}（{row.institution_code}）没有 filing.created 事件 / {where} has no "
                "filing.created event in the log",
            )
        elif changed := _differences(row, scopes[row.id], statuses[row.id], event):
            report.add(
                Finding.FILING_CHANGED,
                where,
                f"备案 {row.reference}（{row.institution_code}）与日志不符：{'; '.join(changed)} / {where} differs "
                f"from its logged events (created at leaf {event.leaf}): {'; '.join(changed)}",
            )
    for key, event in sorted(logged.items()):
        if key not in seen and event.created is not None:
            where = f"filing {key[0]}:{key[1]}"
            report.add(
                Finding.FILING_DELETED,
                where,
                f"备案 {key[1]}（{key[0]}）已记入日志（第 {event.leaf} 条），但记录已被删除 / {where} is logged "
                f"(leaf {event.leaf}) but its row is gone",
            )
