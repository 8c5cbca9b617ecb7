"""Loading reference data into the registry: all of a file, or none of it.

Every row is parsed and checked first (formats, check characters, references to records in the file or
the database, duplicates); any problem aborts the load with every bad row listed. Then one transaction
writes it. Re-loading the same file changes nothing. Catalogue rows (regions, authorities, occupations,
projects, institutions) are upserted, and each row changed in place is appended to the event log with its
old and new values (``reference.changed``), so the transparency log keeps what the row said before;
filings are never changed in place (a change is a new filing reference), and each new filing and status
change is appended to the event log.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db import Database
from registry.errors import LoadError, Problem
from registry.events import DetailValue, EventKind, NewEvent, append_events
from registry.models import (
    AbilityProject,
    Authority,
    Base,
    Filing,
    FilingScope,
    FilingStatusChange,
    Institution,
    Occupation,
    Region,
)
from registry.refdata.files import tables_of
from registry.refdata.filings import (
    FilingGroup,
    StatusLine,
    group_filings,
    scope_signature,
    scope_terms,
    status_part,
    status_problems,
    window_problems,
)
from registry.refdata.tables import parse_rows
from registry.rules.formats import occupation_of
from registry.rules.policy import ProvinceProfile
from registry.rules.profiles import HUNAN
from registry.vocab import FilingStatus, InstitutionKind, InstitutionOwner, SubjectType

Rows = list[tuple[int, dict[str, Any]]]

#: Catalogue tables in load order (a row may refer to rows of the tables before it).
_CATALOGUES: tuple[tuple[str, type[Base]], ...] = (
    ("regions", Region),
    ("authorities", Authority),
    ("occupations", Occupation),
    ("projects", AbilityProject),
    ("institutions", Institution),
)
#: (table, field) → (table it refers to, model) for reference checks.
_REFERENCES: dict[tuple[str, str], tuple[str, type[Base]]] = {
    ("regions", "parent_code"): ("regions", Region),
    ("authorities", "region_code"): ("regions", Region),
    ("institutions", "region_code"): ("regions", Region),
    ("institutions", "filing_authority_code"): ("authorities", Authority),
    ("filings", "institution_code"): ("institutions", Institution),
    ("filings", "filed_by"): ("authorities", Authority),
}


class LoadReport(msgspec.Struct):
    added: dict[str, int] = msgspec.field(default_factory=dict)
    changed: dict[str, int] = msgspec.field(default_factory=dict)
    unchanged: dict[str, int] = msgspec.field(default_factory=dict)

    def count(self, bucket: str, table: str, n: int = 1) -> None:
        target = getattr(self, bucket)
        target[table] = target.get(table, 0) + n


def _failed(filename: str, problems: list[Problem]) -> LoadError:
    ordered = sorted(problems, key=lambda p: (p.table, p.row, p.field))
    return LoadError(
        f"{filename}: {len(problems)} 处错误，未载入任何数据 / {len(problems)} problems, nothing loaded", ordered
    )


async def load_reference_file(
    database: Database,
    data: bytes,
    filename: str,
    *,
    table: str | None = None,
    actor: str = "cli",
    profile: ProvinceProfile = HUNAN,
) -> LoadReport:
    """Load ``data`` (the bytes of ``filename``); raises :class:`LoadError` listing every problem.

    ``profile`` sets the policy the rows are checked against (the longest filing window of each kind);
    the command passes the configured one, the default is the demo data's province.
    """
    problems: list[Problem] = []
    parsed: dict[str, Rows] = defaultdict(list)
    for spec, found in tables_of(data, filename, table=table):
        parsed[spec.name].extend(parse_rows(spec, found, problems))
    _check_duplicates(parsed, problems)
    report = LoadReport()
    async with database.transaction() as session:
        await _check_references(session, parsed, problems)
        groups = group_filings(parsed.get("filings", []), problems)
        window_problems(groups, await _institution_kinds(session, parsed, groups), profile, problems)
        await _check_partial_statuses(session, parsed, groups, problems)
        await _check_scope_subjects(session, parsed, groups, problems)
        if problems:
            raise _failed(filename, problems)
        events: list[NewEvent] = []
        for name, model in _CATALOGUES:
            events += await _upsert(session, name, model, parsed.get(name, []), report, actor=actor)
        events += await _store_filings(session, groups, report, problems, actor)
        events += await _store_statuses(session, parsed.get("filing_status", []), report, problems, actor)
        if problems:
            raise _failed(filename, problems)
        await append_events(session, events)
    return report


def _key_fields(name: str) -> tuple[str, ...]:
    if name == "filings":
        return ("institution_code", "reference", "subject_type", "subject_code")
    if name == "filing_status":
        return ("institution_code", "reference", "subject_code", "levels", "kind", "status", "effective_on")
    return ("code",)


def _check_duplicates(parsed: dict[str, Rows], problems: list[Problem]) -> None:
    for name, rows in parsed.items():
        fields = _key_fields(name)
        seen: dict[tuple[Any, ...], int] = {}
        for number, record in rows:
            key = tuple(record[f] for f in fields)
            if key in seen:
                message = f"与第 {seen[key]} 行重复 / duplicates row {seen[key]}"
                problems.append(
                    Problem(table=name, row=number, field=fields[-1], code="row.duplicate", message=message)
                )
            else:
                seen[key] = number


async def _existing_codes(session: AsyncSession, model: type[Base], codes: set[str]) -> set[str]:
    column = model.__table__.c.code
    found: set[str] = set()
    ordered = sorted(codes)
    for start in range(0, len(ordered), 500):
        found.update(await session.scalars(select(column).where(column.in_(ordered[start : start + 500]))))
    return found


async def _check_references(session: AsyncSession, parsed: dict[str, Rows], problems: list[Problem]) -> None:
    for (name, field), (target, model) in _REFERENCES.items():
        rows = parsed.get(name, [])
        wanted = {record[field] for _, record in rows if record.get(field)}
        if not wanted:
            continue
        known = {record["code"] for _, record in parsed.get(target, [])}
        known |= await _existing_codes(session, model, wanted - known)
        for number, record in rows:
            value = record.get(field)
            if value and value not in known:
                message = f"引用的 {target} 记录 {value} 不存在 / refers to {target} {value}, which does not exist"
                problems.append(Problem(table=name, row=number, field=field, code="reference.unknown", message=message))


async def _institution_kinds(
    session: AsyncSession, parsed: dict[str, Rows], groups: list[FilingGroup]
) -> dict[str, tuple[InstitutionKind, InstitutionOwner]]:
    """The kind and owner of each filed institution: as this file gives them, else as the registry has them."""
    kinds = {
        record["code"]: (record["kind"], record.get("owner") or InstitutionOwner.LOCAL)
        for _, record in parsed.get("institutions", [])
    }
    wanted = sorted({g.institution_code for g in groups} - set(kinds))
    for start in range(0, len(wanted), 500):
        rows = await session.execute(
            select(Institution.code, Institution.kind, Institution.owner).where(
                Institution.code.in_(wanted[start : start + 500])
            )
        )
        kinds.update((code, (InstitutionKind(kind), InstitutionOwner(owner))) for code, kind, owner in rows)
    return kinds


async def _check_partial_statuses(
    session: AsyncSession, parsed: dict[str, Rows], groups: list[FilingGroup], problems: list[Problem]
) -> None:
    """A suspension of one occupation or project (004:42) names a subject of the filing's scope."""
    in_file = {(g.institution_code, g.reference): {line.subject_code for line in g.scope} for g in groups}
    for number, record in parsed.get("filing_status", []):
        subject = record.get("subject_code")
        if not subject:
            continue
        key = (record["institution_code"], record["reference"])
        scope = in_file.get(key)
        if scope is None:
            scope = set(
                await session.scalars(
                    select(FilingScope.subject_code)
                    .join(Filing, Filing.id == FilingScope.filing_id)
                    .where(Filing.institution_code == key[0], Filing.reference == key[1])
                )
            )
        if subject not in scope and occupation_of(subject) not in scope:
            message = (
                f"{subject} 不在备案 {key[1]} 的范围内 / {subject} is not in the scope of filing {key[1]}: a "
                "suspension of one occupation or project names one the filing covers"
            )
            code, field = "scope.not_filed", "subject_code"
            problems.append(Problem(table="filing_status", row=number, field=field, code=code, message=message))


async def _check_scope_subjects(
    session: AsyncSession, parsed: dict[str, Rows], groups: list[FilingGroup], problems: list[Problem]
) -> None:
    models = {SubjectType.OCCUPATION: (Occupation, "occupations"), SubjectType.PROJECT: (AbilityProject, "projects")}
    for subject_type, (model, table) in models.items():
        wanted = {row.subject_code for g in groups for row in g.scope if row.subject_type is subject_type}
        known = {record["code"] for _, record in parsed.get(table, [])}
        known |= await _existing_codes(session, model, wanted - known)
        for group in groups:
            for row, number in zip(group.scope, group.rows, strict=True):
                if row.subject_type is subject_type and row.subject_code not in known:
                    message = f"{table} 中没有 {row.subject_code} / no {subject_type.value} {row.subject_code}"
                    problems.append(
                        Problem(
                            table="filings", row=number, field="subject_code", code="reference.unknown", message=message
                        )
                    )


def _row_values(name: str, record: dict[str, Any]) -> dict[str, Any]:
    values = dict(record)
    if name == "institutions" and values.get("owner") is None:
        values["owner"] = InstitutionOwner.LOCAL
    if name == "institutions":
        values["address"] = values.get("address") or ""
        values["person_in_charge"] = values.get("person_in_charge") or ""
    return {k: (v.value if hasattr(v, "value") else v) for k, v in values.items()}


async def _upsert(
    session: AsyncSession, name: str, model: type[Base], rows: Rows, report: LoadReport, *, actor: str
) -> list[NewEvent]:
    """Add new catalogue rows and change existing ones; returns one ``reference.changed`` event per row
    changed in place, naming each changed field's old and new value (the row itself keeps only the new)."""
    if not rows:
        return []
    events: list[NewEvent] = []
    ordered = sorted(rows, key=lambda item: str(item[1]["code"]))  # parents (430000) before children (430100)
    codes = [record["code"] for _, record in ordered]
    column = model.__table__.c.code
    found = await session.scalars(select(model).where(column.in_(codes)))
    existing: dict[str, Any] = {getattr(row, "code"): row for row in found}  # noqa: B009 - any catalogue model
    for _, record in ordered:
        values = _row_values(name, record)
        current = existing.get(values["code"])
        if current is None:
            session.add(model(**values))
            report.count("added", name)
            await session.flush()
            continue
        changed = sorted(k for k, v in values.items() if getattr(current, k) != v)
        if not changed:
            report.count("unchanged", name)
            continue
        details: dict[str, DetailValue] = {"table": name, "code": values["code"], "fields": ",".join(changed)}
        for k in changed:
            details[f"old.{k}"] = _detail(getattr(current, k))
            details[f"new.{k}"] = _detail(values[k])
            setattr(current, k, values[k])
        events.append(
            NewEvent(kind=EventKind.REFERENCE_CHANGED, subject=f"{name}:{values['code']}", actor=actor, details=details)
        )
        report.count("changed", name)
        await session.flush()
    return events


def _part(record: dict[str, Any]) -> tuple[str, str, str]:
    kind = record.get("kind")
    return status_part(record.get("subject_code"), record.get("levels"), kind.value if kind else None)


def _detail(value: Any) -> DetailValue:
    """A column value as an event detail: dates as ISO text, the rest as they are (str, bool, None)."""
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | bool):
        return value
    return str(value)


async def _store_filings(
    session: AsyncSession, groups: list[FilingGroup], report: LoadReport, problems: list[Problem], actor: str
) -> list[NewEvent]:
    events: list[NewEvent] = []
    for group in groups:
        current = await session.scalar(
            select(Filing).where(Filing.institution_code == group.institution_code, Filing.reference == group.reference)
        )
        if current is not None:
            scope = (await session.scalars(select(FilingScope).where(FilingScope.filing_id == current.id))).all()
            stored = (current.filed_by, current.valid_from, current.valid_to, current.pilot, scope_terms(scope))
            given = (group.filed_by, group.valid_from, group.valid_to, group.pilot, group.terms)
            same = stored == given and scope_signature(scope) == group.signature
            if same:
                report.count("unchanged", "filings")
            else:
                message = (
                    f"备案 {group.reference} 已登记且内容不同；变更须用新的备案文号 / filing {group.reference} is "
                    "already recorded with different content; a change needs a new filing reference"
                )
                problems.append(
                    Problem(
                        table="filings", row=group.rows[0], field="reference", code="filing.changed", message=message
                    )
                )
            continue
        filing = Filing(
            institution_code=group.institution_code,
            reference=group.reference,
            filed_by=group.filed_by,
            valid_from=group.valid_from,
            valid_to=group.valid_to,
            pilot=group.pilot,
        )
        session.add(filing)
        await session.flush()
        for row in group.scope:
            session.add(
                FilingScope(
                    filing_id=filing.id,
                    subject_type=row.subject_type.value,
                    subject_code=row.subject_code,
                    levels=row.levels,
                    kinds=row.kinds,
                    consent_on=row.consent_on,
                )
            )
        session.add(
            FilingStatusChange(
                filing_id=filing.id,
                status=FilingStatus.ACTIVE.value,
                effective_on=group.valid_from,
                reason="备案 / filed",
            )
        )
        events.append(
            NewEvent(
                kind=EventKind.FILING_CREATED,
                subject=f"filing:{group.institution_code}:{group.reference}",
                actor=actor,
                details={
                    "institution": group.institution_code,
                    "reference": group.reference,
                    "filed_by": group.filed_by,
                    "valid_from": group.valid_from.isoformat(),
                    "valid_to": group.valid_to.isoformat(),
                    "scope": group.signature,
                    "terms": group.terms,
                    "pilot": group.pilot,
                },
            )
        )
        report.count("added", "filings")
    await session.flush()
    return events


async def _store_statuses(
    session: AsyncSession, rows: Rows, report: LoadReport, problems: list[Problem], actor: str
) -> list[NewEvent]:
    """Append the file's status changes that are not recorded yet, once each filing's whole history
    (recorded and new) is one that can happen (:func:`status_problems`)."""
    by_filing: dict[int, tuple[Filing, Rows]] = {}
    for number, record in rows:
        filing = await session.scalar(
            select(Filing).where(
                Filing.institution_code == record["institution_code"], Filing.reference == record["reference"]
            )
        )
        if filing is None:
            message = f"备案 {record['reference']} 不存在 / filing {record['reference']} does not exist"
            problems.append(
                Problem(table="filing_status", row=number, field="reference", code="reference.unknown", message=message)
            )
            continue
        by_filing.setdefault(filing.id, (filing, []))[1].append((number, record))
    accepted: list[tuple[Filing, int, dict[str, Any]]] = []
    for filing, lines in by_filing.values():
        history = select(FilingStatusChange).where(FilingStatusChange.filing_id == filing.id)
        recorded = (await session.scalars(history.order_by(FilingStatusChange.id))).all()
        known = {(c.status, c.effective_on, status_part(c.subject_code, c.levels, c.kind)) for c in recorded}
        new = [(n, r) for n, r in lines if (r["status"].value, r["effective_on"], _part(r)) not in known]
        if len(new) < len(lines):
            report.count("unchanged", "filing_status", len(lines) - len(new))
        found = status_problems(
            filing.valid_from,
            filing.valid_to,
            [StatusLine(None, FilingStatus(c.status), c.effective_on) for c in recorded],
            [StatusLine(n, r["status"], r["effective_on"]) for n, r in new],
        )
        problems.extend(Problem(table="filing_status", **p._asdict()) for p in found)
        accepted += [(filing, n, r) for n, r in new]
    events: list[NewEvent] = []
    if problems:
        return events
    for filing, _, record in sorted(accepted, key=lambda item: (item[2]["effective_on"], item[1])):
        status = record["status"].value
        reason = record.get("reason") or ""
        subject, levels, kind = _part(record)
        session.add(
            FilingStatusChange(
                filing_id=filing.id, status=status, effective_on=record["effective_on"], reason=reason,
                subject_code=subject or None, levels=levels or None, kind=kind or None,
            )
        )  # fmt: skip
        details: dict[str, DetailValue] = {"status": status, "effective_on": record["effective_on"].isoformat()}
        if subject or levels or kind:  # a suspension of part of the filing (004:42); whole ones stay as before
            details.update(subject=subject, levels=levels, kind=kind)
        events.append(
            NewEvent(
                kind=EventKind.FILING_STATUS,
                subject=f"filing:{filing.institution_code}:{filing.reference}",
                actor=actor,
                reason=reason,
                details=details,
            )
        )
        report.count("added", "filing_status")
    await session.flush()
    return events
