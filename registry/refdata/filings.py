"""Grouping filing rows: a file lists one row per scope row; rows with the same institution and
reference are one filing, and must agree on its authority and validity window. A window may not be
longer than the province profile allows for the institution's kind (rule 2), and a filing's status
history must be one that can happen (:func:`status_problems`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any, Final, NamedTuple, Protocol

import msgspec

from registry.errors import Problem
from registry.rules.policy import ProvinceProfile
from registry.vocab import INSTITUTION_KIND_LABELS_ZH, FilingStatus, InstitutionKind, SubjectType

#: Statuses a filing never leaves: a revoked, withdrawn or expired filing is refiled under a new reference.
FINAL_STATUSES: Final = frozenset({FilingStatus.REVOKED, FilingStatus.WITHDRAWN, FilingStatus.EXPIRED})


class ScopeLine(msgspec.Struct, frozen=True):
    subject_type: SubjectType
    subject_code: str
    levels: str  # digits, "" for a project


class FilingGroup(msgspec.Struct):
    institution_code: str
    reference: str
    filed_by: str
    valid_from: date
    valid_to: date
    scope: list[ScopeLine]
    rows: list[int]  # row number of each scope line, in the same order

    @property
    def signature(self) -> str:
        return scope_signature(self.scope)


class _ScopeLike(Protocol):
    @property
    def subject_type(self) -> Any: ...
    @property
    def subject_code(self) -> str: ...
    @property
    def levels(self) -> str: ...


def scope_signature(scope: Iterable[_ScopeLike]) -> str:
    """A canonical text of a scope (sorted ``type:code:levels`` lines) to compare and to log."""
    lines = sorted(f"{_value(s.subject_type)}:{s.subject_code}:{s.levels}" for s in scope)
    return ";".join(lines)


def _value(value: Any) -> str:
    return str(getattr(value, "value", value))


def group_filings(rows: list[tuple[int, dict[str, Any]]], problems: list[Problem]) -> list[FilingGroup]:
    """Filings of the rows; a row that disagrees with its filing's first row is a problem."""
    groups: dict[tuple[str, str], FilingGroup] = {}
    for number, record in rows:
        key = (record["institution_code"], record["reference"])
        line = ScopeLine(record["subject_type"], record["subject_code"], record.get("levels") or "")
        problem = _scope_problem(line)
        if problem:
            problems.append(Problem(table="filings", row=number, field="levels", code=problem[0], message=problem[1]))
            continue
        group = groups.get(key)
        if group is None:
            groups[key] = FilingGroup(
                institution_code=key[0],
                reference=key[1],
                filed_by=record["filed_by"],
                valid_from=record["valid_from"],
                valid_to=record["valid_to"],
                scope=[line],
                rows=[number],
            )
            if record["valid_to"] < record["valid_from"]:
                message = "有效期止早于有效期起 / valid_to is before valid_from"
                problems.append(
                    Problem(table="filings", row=number, field="valid_to", code="date.order", message=message)
                )
            continue
        if (group.filed_by, group.valid_from, group.valid_to) != (
            record["filed_by"],
            record["valid_from"],
            record["valid_to"],
        ):
            message = (
                f"与第 {group.rows[0]} 行同一备案但机关或有效期不同 / same filing as row {group.rows[0]} "
                "but a different authority or validity window"
            )
            problems.append(
                Problem(table="filings", row=number, field="reference", code="filing.inconsistent", message=message)
            )
            continue
        group.scope.append(line)
        group.rows.append(number)
    return list(groups.values())


def _scope_problem(line: ScopeLine) -> tuple[str, str] | None:
    if line.subject_type is SubjectType.OCCUPATION and not line.levels:
        return "scope.levels_required", "职业范围须写明等级 / an occupation scope row needs its levels"
    if line.subject_type is SubjectType.PROJECT and line.levels:
        return "scope.levels_not_allowed", "专项职业能力项目没有等级 / a special-ability project has no levels"
    return None


def window_problems(
    groups: Iterable[FilingGroup], kinds: dict[str, InstitutionKind], profile: ProvinceProfile, problems: list[Problem]
) -> None:
    """Rule 2: a filing's window may not outlast the validity the profile gives the institution's kind
    (three years for a station, one for the technical-school pilot). A shorter window is allowed: the
    centre may file for less. Institutions of unknown kind are reported by the reference check instead."""
    for group in groups:
        kind = kinds.get(group.institution_code)
        if kind is None or group.valid_to < group.valid_from:
            continue
        longest = profile.filing_valid_to(kind, group.valid_from)
        if group.valid_to > longest:
            years = profile.filing_validity_years.get(kind, profile.default_filing_validity_years)
            message = (
                f"{INSTITUTION_KIND_LABELS_ZH[kind]}备案有效期最长 {years} 年，应不晚于 {longest}（规则 2）/ "
                f"a {kind.value.replace('_', ' ')} filing is valid for at most {years} years: valid_to must be "
                f"{longest} or earlier (rule 2)"
            )
            problems.append(
                Problem(table="filings", row=group.rows[0], field="valid_to", code="filing.too_long", message=message)
            )


class StatusLine(NamedTuple):
    """A dated status change of one filing; ``row`` is its row in the file, ``None`` when already recorded."""

    row: int | None
    status: FilingStatus
    effective_on: date


class StatusProblem(NamedTuple):
    row: int
    field: str
    code: str
    message: str


def status_problems(
    valid_from: date, valid_to: date, recorded: Iterable[StatusLine], new: Iterable[StatusLine]
) -> list[StatusProblem]:
    """What is wrong with adding the ``new`` changes (rows of a file) to a filing's ``recorded`` history.

    Rule 2 keeps status changes dated and final ones final: a change takes effect inside the filing's
    window (an expiry also on the day after its last day), and nothing follows a revocation, withdrawal or
    expiry — a revoked filing set back to active would let it issue again. Same-day changes apply in
    recorded order, then in file order.
    """
    found: list[StatusProblem] = []
    lines = list(new)
    for line in lines:
        assert line.row is not None
        last = valid_to + timedelta(days=1) if line.status is FilingStatus.EXPIRED else valid_to
        if not valid_from <= line.effective_on <= last:
            message = (
                f"状态生效日期 {line.effective_on} 不在备案有效期 {valid_from}～{valid_to} 内（规则 2）/ "
                f"the status date {line.effective_on} is outside the filing's window {valid_from} to {valid_to} "
                "(rule 2)"
            )
            found.append(StatusProblem(line.row, "effective_on", "filing.status_outside_window", message))
    timeline = sorted([*recorded, *lines], key=lambda x: (x.effective_on, x.row is not None, x.row or 0))
    final: StatusLine | None = None
    blamed: set[int] = {problem.row for problem in found}
    for line in timeline:
        if final is None:
            final = line if line.status in FINAL_STATUSES else None
            continue
        row = line.row if line.row is not None else final.row
        if row is None or row in blamed:
            continue
        blamed.add(row)
        message = (
            f"备案已于 {final.effective_on} {final.status.value}，其后不能再有状态变更（{line.effective_on} "
            f"{line.status.value}）（规则 2）/ the filing became {final.status.value} on {final.effective_on}, "
            f"which is final: no status change can follow it ({line.status.value} on {line.effective_on}) (rule 2)"
        )
        found.append(StatusProblem(row, "status", "filing.status_final", message))
    return found
