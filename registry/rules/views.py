"""Plain, frozen views of the records the rules read: what the store converts database rows into.

The rules never see an ORM row or a session (DESIGN.md: a domain function takes no session); the lead's
store layer builds these with ``msgspec.convert(row, T, from_attributes=True)`` or by hand. They are
frozen so a batch can share them between rows and cache on them.
"""

from __future__ import annotations

import bisect
from datetime import date
from typing import Final

import msgspec

from registry.vocab import (
    AuthorityLevel,
    CertificateKind,
    FilingStatus,
    InstitutionKind,
    InstitutionOwner,
    ProjectStatus,
    SubjectType,
)


class StatusChange(msgspec.Struct, frozen=True):
    """A dated change of a filing's status (rule 2: status changes are dated and kept, never overwritten).

    A suspension or its lifting may cover part of the filing only (004:42, docs/rules.md rule 2): one
    occupation or project (``subject_code``; an occupation covers its trades), some ``levels``, one
    certificate ``kind``. A change that names none of them covers the whole filing.
    """

    status: FilingStatus
    effective_on: date
    reason: str = ""
    subject_code: str | None = None
    levels: frozenset[int] = frozenset()
    kind: CertificateKind | None = None

    @property
    def whole(self) -> bool:
        """Whether the change covers the whole filing."""
        return self.subject_code is None and not self.levels and self.kind is None

    def covers(self, kind: CertificateKind, subject_code: str, level: int | None) -> bool:
        """Whether the change applies to a certificate of ``kind`` for ``subject_code`` at ``level``."""
        if self.kind is not None and self.kind is not kind:
            return False
        if self.levels and level not in self.levels:
            return False
        code = self.subject_code
        return code is None or subject_code == code or subject_code.startswith(f"{code}-")


#: What a scope row allows when it does not say (rows filed before scope rows named their kinds; migration
#: 0005 stores the same): a project row special ability, an occupation row qualification and skill level.
LEGACY_KINDS: Final[dict[SubjectType, frozenset[CertificateKind]]] = {
    SubjectType.PROJECT: frozenset({CertificateKind.SPECIAL_ABILITY}),
    SubjectType.OCCUPATION: frozenset({CertificateKind.QUALIFICATION, CertificateKind.SKILL_LEVEL}),
}


class ScopeRow(msgspec.Struct, frozen=True):
    """One line of a filing's scope: an occupation with its filed levels, or a project (``levels`` empty).

    ``kinds`` are the certificate kinds the row allows (rule 1): a skill-level filing does not allow
    qualification certificates. ``consent_on`` is the day the province centre consented to a school's
    level 3 and above (rule 5a). See docs/rules.md.
    """

    subject_type: SubjectType
    subject_code: str
    levels: frozenset[int] = frozenset()
    kinds: frozenset[CertificateKind] | None = None
    consent_on: date | None = None

    def allows(self, kind: CertificateKind) -> bool:
        """Whether the row allows certificates of ``kind`` (unsaid: :data:`LEGACY_KINDS`)."""
        return kind in (LEGACY_KINDS[self.subject_type] if self.kinds is None else self.kinds)


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
    #: A school's skill-level pilot filing (rule 2: the only school filing with a capped window).
    pilot: bool = False

    def status_on(self, day: date) -> FilingStatus | None:
        """The status of the whole filing on ``day``: the latest whole-filing change with
        ``effective_on <= day`` (a suspension of one occupation leaves the rest active).

        Changes on the same day apply in the order given (the last one wins). ``None`` when no change had
        taken effect yet, i.e. the filing was not yet in force.
        """
        ordered = sorted((c for c in self.history if c.whole), key=lambda change: change.effective_on)
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
    """A special-ability project of the province's catalogue (rule 6), with its dated phases: in its pilot
    phase from ``published_on`` until ``active_from`` (or, without it, for as long as ``status`` is pilot),
    in general use from ``active_from``, withdrawn from ``withdrawn_on``."""

    code: str
    name: str
    status: ProjectStatus
    published_on: date
    pilot_ends: date | None = None
    withdrawn_on: date | None = None
    active_from: date | None = None
