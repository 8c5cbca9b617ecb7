"""Plain, frozen views of the records the rules read: what the store converts database rows into.

The rules never see an ORM row or a session (DESIGN.md: a domain function takes no session); the lead's
store layer builds these with ``msgspec.convert(row, T, from_attributes=True)`` or by hand. They are
frozen so a batch can share them between rows and cache on them.
"""

from __future__ import annotations

import bisect
from datetime import date

import msgspec

from registry.vocab import (
    AuthorityLevel,
    FilingStatus,
    InstitutionKind,
    InstitutionOwner,
    ProjectStatus,
    SubjectType,
)


class StatusChange(msgspec.Struct, frozen=True):
    """A dated change of a filing's status (rule 2: status changes are dated and kept, never overwritten)."""

    status: FilingStatus
    effective_on: date
    reason: str = ""


class ScopeRow(msgspec.Struct, frozen=True):
    """One line of a filing's scope: an occupation with its filed levels, or a project (``levels`` empty)."""

    subject_type: SubjectType
    subject_code: str
    levels: frozenset[int] = frozenset()


class FilingView(msgspec.Struct, frozen=True):
    """An institution's filing (备案) with authority ``filed_by``: validity window, scope, status history.

    ``authority`` is the view of ``filed_by`` (rule 5 judges who filed *this* filing, which need not be the
    authority the institution's own record names). The store always sets it; a view built by hand without
    it is judged by the context's ``filing_authority``.
    """

    id: int
    institution_code: str
    filed_by: str
    valid_from: date
    valid_to: date
    scope: tuple[ScopeRow, ...] = ()
    history: tuple[StatusChange, ...] = ()
    authority: AuthorityView | None = None

    def status_on(self, day: date) -> FilingStatus | None:
        """The status in force on ``day``: the latest change with ``effective_on <= day``.

        Changes on the same day apply in the order given (the last one wins). ``None`` when no change had
        taken effect yet, i.e. the filing was not yet in force.
        """
        ordered = sorted(self.history, key=lambda change: change.effective_on)
        at = bisect.bisect_right([change.effective_on for change in ordered], day)
        return ordered[at - 1].status if at else None

    def in_window(self, day: date) -> bool:
        """Whether ``day`` lies in the validity window (both ends included)."""
        return self.valid_from <= day <= self.valid_to


class InstitutionView(msgspec.Struct, frozen=True):
    """A filed institution: its code is the one its certificate numbers carry (see ``numbering``)."""

    code: str
    name: str
    kind: InstitutionKind
    owner: InstitutionOwner
    region_code: str
    filing_authority_code: str


class AuthorityView(msgspec.Struct, frozen=True):
    """An assessment centre: the province centre or a city/prefecture centre, with its GB/T 2260 region."""

    code: str
    level: AuthorityLevel
    region_code: str


class OccupationView(msgspec.Struct, frozen=True):
    """An occupation of the national classification as the catalogue knows it on a date."""

    code: str
    name: str
    in_qualification_catalogue: bool
    access_type: bool
    levels: frozenset[int]
    valid_from: date
    valid_to: date | None = None


class ProjectView(msgspec.Struct, frozen=True):
    """A special-ability project of the province's catalogue (rule 6)."""

    code: str
    name: str
    status: ProjectStatus
    published_on: date
    pilot_ends: date | None = None
    withdrawn_on: date | None = None
