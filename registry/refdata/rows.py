"""Checks across the cells of one reference row: dates that must come in order, a status that must agree
with its dates. Each returns the problems as ``(field, code, message)``; an empty list means the row is fine.

Cell parsers (:mod:`registry.refdata.columns`) see one cell; these see the typed row, so a catalogue entry
that ends before it starts, or an active project with a withdrawal date, is reported instead of stored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, Final

from registry.vocab import ProjectStatus

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
    found = [p for p in (_before(record, f, "published_on") for f in ("pilot_ends", "withdrawn_on")) if p]
    status: ProjectStatus = record["status"]
    if record.get("withdrawn_on") is not None and status is not ProjectStatus.WITHDRAWN:
        message = (
            f"状态为 {status.value} 的项目不能有撤销日期 / a project with status {status.value} cannot have a "
            "withdrawal date (withdrawn_on); set status to withdrawn or clear the date"
        )
        found.append(("withdrawn_on", "project.status_inconsistent", message))
    return found


ROW_CHECKS: Final[dict[str, RowCheck]] = {
    "occupations": occupation_problems,
    "projects": project_problems,
}
