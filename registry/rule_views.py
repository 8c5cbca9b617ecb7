"""The province's rules see plain views (:mod:`registry.rules.views`); this builds them from the database.

One place for the conversion, used by batch import (rules 1–6 per row) and by issuing (the re-check at
issue time and for corrected content), so both judge the same facts the same way — e.g. an occupation code
with a trade suffix (``6-31-01-03-01``) is judged by its occupation's catalogue entry.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.convert import view_of
from registry.lookups import get_or_refuse
from registry.models import AbilityProject, Authority, Filing, FilingScope, FilingStatusChange, Institution, Occupation
from registry.rules.eligibility import EligibilityContext
from registry.rules.formats import occupation_of
from registry.rules.policy import ProvinceProfile
from registry.rules.views import (
    AuthorityView,
    FilingView,
    InstitutionView,
    OccupationView,
    ProjectView,
    ScopeRow,
    StatusChange,
)
from registry.vocab import CertificateKind, FilingStatus, SubjectType, parse_kinds


def institution_view(row: Institution) -> InstitutionView:
    return msgspec.convert(row, InstitutionView, from_attributes=True)


async def authority_view(session: AsyncSession, code: str) -> AuthorityView:
    """The view of authority ``code``; raises :class:`NotFoundError`."""
    row = await get_or_refuse(session, Authority, code, named=("鉴定中心", "authority"))
    return msgspec.convert(row, AuthorityView, from_attributes=True)


async def filing_views(session: AsyncSession, institution_code: str) -> list[FilingView]:
    """Every filing of the institution with its scope, its dated status history (in recorded order) and the
    authority that filed it (rule 5 judges that one, not the authority the institution record names)."""
    filings = (await session.scalars(select(Filing).where(Filing.institution_code == institution_code))).all()
    ids = [f.id for f in filings]
    scopes = (await session.scalars(select(FilingScope).where(FilingScope.filing_id.in_(ids)))).all()
    changes = (
        await session.scalars(
            select(FilingStatusChange).where(FilingStatusChange.filing_id.in_(ids)).order_by(FilingStatusChange.id)
        )
    ).all()
    filers = (await session.scalars(select(Authority).where(Authority.code.in_({f.filed_by for f in filings})))).all()
    authorities = {row.code: msgspec.convert(row, AuthorityView, from_attributes=True) for row in filers}
    return [
        view_of(
            f,
            FilingView,
            scope=tuple(scope_row(s) for s in scopes if s.filing_id == f.id),
            history=tuple(status_change(c) for c in changes if c.filing_id == f.id),
            authority=authorities.get(f.filed_by),
        )
        for f in filings
    ]


def scope_row(row: FilingScope) -> ScopeRow:
    """The rules' view of a stored scope row (its kinds and the province centre's consent included)."""
    return ScopeRow(
        SubjectType(row.subject_type),
        row.subject_code,
        frozenset(int(c) for c in row.levels),
        kinds=parse_kinds(row.kinds),
        consent_on=row.consent_on,
    )


def status_change(row: FilingStatusChange) -> StatusChange:
    """The rules' view of a stored status change, whole or of one occupation, level or kind (004:42)."""
    return StatusChange(
        FilingStatus(row.status),
        row.effective_on,
        row.reason,
        subject_code=row.subject_code,
        levels=frozenset(int(c) for c in row.levels or ""),
        kind=CertificateKind(row.kind) if row.kind else None,
    )


async def occupation_views(session: AsyncSession, codes: Iterable[str]) -> dict[str, OccupationView]:
    """Views of the occupations named by ``codes``; a code with a trade suffix gets its occupation's
    catalogue entry under its own code (so the filed scope of that trade is found). Unknown codes are absent."""
    wanted = set(codes)
    bare = {occupation_of(code) for code in wanted} | wanted
    rows = (await session.scalars(select(Occupation).where(Occupation.code.in_(sorted(bare))))).all()
    by_code = {
        row.code: OccupationView(
            code=row.code,
            name=row.name,
            in_qualification_catalogue=row.in_qualification_catalogue,
            access_type=row.access_type,
            levels=frozenset(int(c) for c in row.levels),
            valid_from=row.valid_from,
            valid_to=row.valid_to,
        )
        for row in rows
    }
    found: dict[str, OccupationView] = {}
    for code in wanted:
        view = by_code.get(code) or by_code.get(occupation_of(code))
        if view is not None:
            found[code] = msgspec.structs.replace(view, code=code)
    return found


async def project_views(session: AsyncSession, codes: Iterable[str]) -> dict[str, ProjectView]:
    """Views of the special-ability projects named by ``codes`` (unknown codes are absent)."""
    rows = (await session.scalars(select(AbilityProject).where(AbilityProject.code.in_(sorted(set(codes)))))).all()
    return {row.code: msgspec.convert(row, ProjectView, from_attributes=True) for row in rows}


async def eligibility_context(
    session: AsyncSession, profile: ProvinceProfile, institution: Institution
) -> EligibilityContext:
    """Rules 1–6 for ``institution``, prepared once (filings indexed with the authority of each)."""
    return EligibilityContext(
        profile=profile,
        institution=institution_view(institution),
        filing_authority=await authority_view(session, institution.filing_authority_code),
        filings=await filing_views(session, institution.code),
    )
