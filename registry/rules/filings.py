"""Rules 1 and 2 (docs/rules.md): is there a filing whose scope allows this kind, subject and level, in force
on the assessment date?

:class:`FilingIndex` is built once per institution (and batch): scope rows are indexed by subject and each
status history is sorted once, so a look-up per certificate row is a dict access and a bisect. When no
filing allows the row, the index names the most telling reason: the scope (subject, kind, level), then a
filing in its window by its status (suspended — wholly or for this subject, level or kind —, revoked …),
otherwise its window (expired, not yet valid).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from datetime import date
from typing import Final, NamedTuple

from registry.rules.errors import Violation
from registry.rules.formats import occupation_of
from registry.rules.messages import violation
from registry.rules.views import FilingView, ScopeRow, StatusChange
from registry.vocab import KIND_LABELS_EN, KIND_LABELS_ZH, CertificateKind, FilingStatus, SubjectType

_STATUS_CODES: Final = {
    FilingStatus.SUSPENDED: "filing.suspended",
    FilingStatus.REVOKED: "filing.revoked",
    FilingStatus.WITHDRAWN: "filing.withdrawn",
}


_USUAL_KIND: Final = {
    SubjectType.PROJECT: CertificateKind.SPECIAL_ABILITY,
    SubjectType.OCCUPATION: CertificateKind.SKILL_LEVEL,
}


class Allowing(NamedTuple):
    """A filing that allows a row, with the scope row that does (rule 5a reads its consent)."""

    filing: FilingView
    row: ScopeRow


class _Query(NamedTuple):
    kind: CertificateKind
    subject_code: str
    level: int | None


class _Timeline(NamedTuple):
    filing: FilingView
    days: list[date]
    changes: list[StatusChange]

    def change_on(self, day: date, query: _Query) -> StatusChange | None:
        """The latest change effective on ``day`` that covers the row (whole-filing changes cover all)."""
        at = bisect.bisect_right(self.days, day)
        for change in reversed(self.changes[:at]):
            if change.covers(query.kind, query.subject_code, query.level):
                return change
        return None


def _timeline(filing: FilingView) -> _Timeline:
    ordered = sorted(filing.history, key=lambda change: change.effective_on)  # stable: same-day order kept
    return _Timeline(filing, [change.effective_on for change in ordered], ordered)


class FilingIndex:
    """The filings of one institution, indexed for :meth:`find_all`."""

    def __init__(self, filings: Sequence[FilingView], institution_code: str) -> None:
        """Index the filings of ``institution_code``; filings of other institutions are ignored."""
        self._timelines = [_timeline(f) for f in filings if f.institution_code == institution_code]
        self._scope: dict[tuple[SubjectType, str], list[tuple[int, ScopeRow]]] = {}
        for index, timeline in enumerate(self._timelines):
            for row in timeline.filing.scope:
                self._scope.setdefault((row.subject_type, row.subject_code), []).append((index, row))

    def find_all(
        self,
        subject_type: SubjectType,
        subject_code: str,
        level: int | None,
        day: date,
        label: str,
        *,
        kind: CertificateKind | None = None,
    ) -> tuple[list[Allowing], Violation | None]:
        """Every filing that allows the row (in recorded order, with its scope row), or ``[]`` and the
        violation saying why none does (rule 1 or 2). Rule 5 needs them all: an institution may hold a city's
        and the province's filing at once.

        ``level`` is ignored for projects. An occupation code with a trade suffix is also covered by a scope
        row of its bare occupation (the whole occupation is filed). ``label`` names the subject in messages;
        ``kind`` defaults to the kind the subject usually has (skill level, special ability).
        """
        if kind is None:
            kind = (
                CertificateKind.SPECIAL_ABILITY if subject_type is SubjectType.PROJECT else CertificateKind.SKILL_LEVEL
            )
        if not self._timelines:
            return [], violation("filing.none", rule="2", field="institution")
        rows = self._rows(subject_type, subject_code)
        if not rows:
            return [], violation("scope.not_filed", rule="1", field="subject", subject=label)
        rows = [(index, row) for index, row in rows if row.allows(kind)]
        if not rows:
            kind_zh, kind_en = KIND_LABELS_ZH[kind], KIND_LABELS_EN[kind].lower()
            return [], violation("scope.kind_not_filed", rule="1", field="kind", subject=label, kind_zh=kind_zh,
                                 kind_en=kind_en)  # fmt: skip
        if subject_type is SubjectType.OCCUPATION:
            rows = [(index, row) for index, row in rows if level in row.levels]
            if not rows:
                return [], violation("scope.level_not_filed", rule="1", field="level", subject=label, level=level)
        query = _Query(kind, subject_code, level)
        allowing: dict[int, Allowing] = {}
        for index, row in rows:
            timeline = self._timelines[index]
            change = timeline.change_on(day, query)
            if timeline.filing.in_window(day) and change is not None and change.status is FilingStatus.ACTIVE:
                allowing.setdefault(index, Allowing(timeline.filing, row))
        if allowing:
            return list(allowing.values()), None
        return [], _why_not([self._timelines[index] for index, _ in rows], day, query, label)

    def _rows(self, subject_type: SubjectType, code: str) -> list[tuple[int, ScopeRow]]:
        rows = list(self._scope.get((subject_type, code), ()))
        if subject_type is SubjectType.OCCUPATION and len(code) > 10:
            rows += self._scope.get((subject_type, occupation_of(code)), ())
        return rows


def _why_not(candidates: list[_Timeline], day: date, query: _Query, label: str) -> Violation:
    in_window = [t for t in candidates if t.filing.in_window(day)]
    if in_window:
        return _status_problem(in_window[-1], day, query, label)
    future = [t.filing for t in candidates if t.filing.valid_from > day]
    if future:
        first = min(future, key=lambda f: f.valid_from)
        return violation(
            "filing.outside_validity", rule="2", field="assessed_on", date=day, valid_from=first.valid_from
        )
    last = max((t.filing for t in candidates), key=lambda f: f.valid_to)
    return violation("filing.expired", rule="2", field="assessed_on", valid_to=last.valid_to)


def _status_problem(timeline: _Timeline, day: date, query: _Query, label: str) -> Violation:
    change = timeline.change_on(day, query)
    if change is None:
        return violation("filing.none_active", rule="2", field="assessed_on", date=day)
    if change.status is FilingStatus.EXPIRED:
        return violation("filing.expired", rule="2", field="assessed_on", valid_to=change.effective_on)
    if not change.whole:
        return violation(
            "filing.part_suspended",
            rule="2",
            field="assessed_on",
            date=day,
            since=change.effective_on,
            subject=label,
            level=query.level or "—",
            kind_zh=KIND_LABELS_ZH[query.kind],
            kind_en=KIND_LABELS_EN[query.kind].lower(),
        )
    return violation(_STATUS_CODES[change.status], rule="2", field="assessed_on", date=day)
