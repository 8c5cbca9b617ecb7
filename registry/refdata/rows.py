"""Checks across the cells of one reference row: dates that must come in order, a status that must agree
with its dates. Each returns the problems as ``(field, code, message)``; an empty list means the row is fine.

Cell parsers (:mod:`registry.refdata.columns`) see one cell; these see the typed row, so a catalogue entry
that ends before it starts, or an active project with a withdrawal date, is reported instead of stored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, Final

from registry.vocab import FilingStatus, ProjectStatus

RowProblem = tuple[str, str, str]
RowCheck = Callable[[dict[str, Any]], list[RowProblem]]


def _before(record: dict[str, Any], field: str, start: str) -> RowProblem | None:
    value: date | None = record.get(field)
    first: date = record[start]
    if value is not None and value < first:
        message = f"{field} 早于 {start}（{value} < {first}）/ {field} is before {start} ({value} < {first})"
        return field, "date.order", message
    return None


def occupation_problems(record: dict[str, Any]) -> list[RowProblem]:
    """An occupation's catalogue entry cannot end before it starts."""
    problem = _before(record, "valid_to", "valid_from")
    return [problem] if problem else []


def project_problems(record: dict[str, Any]) -> list[RowProblem]:
    """A project's pilot end and withdrawal come after its publication; an active or pilot project has no
    withdrawal date (rule 6 would treat it as withdrawn from that day while the catalogue says active)."""
    dated = ("pilot_ends", "withdrawn_on", "active_from")
    found = [p for p in (_before(record, f, "published_on") for f in dated) if p]
    status: ProjectStatus = record["status"]
    if record.get("withdrawn_on") is not None and status is not ProjectStatus.WITHDRAWN:
        message = (
            f"状态为 {status.value} 的项目不能有撤销日期 / a project with status {status.value} cannot have a "
            "withdrawal date (withdrawn_on); set status to withdrawn or clear the date"
        )
        found.append(("withdrawn_on", "project.status_inconsistent", message))
    return found


def status_problems(record: dict[str, Any]) -> list[RowProblem]:
    """Only a suspension and its lifting may cover part of a filing (004:42: one occupation, level or
    category); a revocation, withdrawal or expiry ends the whole filing."""
    partial = [f for f in ("subject_code", "levels", "kind") if record.get(f)]
    status: FilingStatus = record["status"]
    if partial and status not in (FilingStatus.SUSPENDED, FilingStatus.ACTIVE):
        message = (
            f"{status.value} 只能针对整个备案，不能限定 {', '.join(partial)} / a filing is {status.value} as a "
            f"whole: only a suspension (or lifting one) may name {', '.join(partial)}"
        )
        return [(partial[0], "filing.status_partial", message)]
    return []


ROW_CHECKS: Final[dict[str, RowCheck]] = {
    "occupations": occupation_problems,
    "projects": project_problems,
    "filing_status": status_problems,
}
