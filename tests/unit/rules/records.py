"""Small, explicit records for the eligibility tests (names are placeholders, not catalogue facts)."""

from __future__ import annotations

from datetime import date
from typing import Any

from registry.rules.views import (
    AuthorityView,
    FilingView,
    InstitutionView,
    OccupationView,
    ProjectView,
    ScopeRow,
    StatusChange,
)
from registry.vocab import (
    AuthorityLevel,
    FilingStatus,
    InstitutionKind,
    InstitutionOwner,
    ProjectStatus,
    SubjectType,
)

OCC = SubjectType.OCCUPATION
PRJ = SubjectType.PROJECT

HN_PROVINCE = AuthorityView(code="HN-P", level=AuthorityLevel.PROVINCE, region_code="430000")
HN_CHANGSHA = AuthorityView(code="HN-CS", level=AuthorityLevel.CITY, region_code="430100")
SC_PROVINCE = AuthorityView(code="SC-P", level=AuthorityLevel.PROVINCE, region_code="510000")
SC_CHENGDU = AuthorityView(code="SC-CD", level=AuthorityLevel.CITY, region_code="510100")
SC_MIANYANG = AuthorityView(code="SC-MY", level=AuthorityLevel.CITY, region_code="510700")

ALL_LEVELS = frozenset({1, 2, 3, 4, 5})


def occupation(
    code: str,
    name: str,
    *,
    catalogued: bool = True,
    access_type: bool = False,
    levels: frozenset[int] = ALL_LEVELS,
    valid_to: date | None = None,
) -> OccupationView:
    """An occupation of the 2015 catalogue: only what a test is about is named (catalogue, access, levels)."""
    return OccupationView(
        code=code,
        name=name,
        in_qualification_catalogue=catalogued,
        access_type=access_type,
        levels=levels,
        valid_from=date(2015, 7, 29),
        valid_to=valid_to,
    )


CATALOGUED = occupation("6-31-01-03", "示例职业甲")
UNCATALOGUED = occupation("4-04-05-05", "示例职业乙", catalogued=False, levels=frozenset({3, 4, 5}))
ACCESS_TYPE = occupation("4-07-05-04", "示例准入类职业", access_type=True)
CANCELLED = occupation("6-99-00-01", "示例已取消职业", valid_to=date(2023, 12, 31))
PROJECT = ProjectView(code="HN01", name="示例专项能力", status=ProjectStatus.ACTIVE, published_on=date(2022, 1, 10))


def institution(
    code: str = "S000043000123",
    kind: InstitutionKind = InstitutionKind.EVALUATION_ORG,
    owner: InstitutionOwner = InstitutionOwner.LOCAL,
    region: str = "430100",
    authority: str = "HN-CS",
) -> InstitutionView:
    return InstitutionView(
        code=code,
        name="示例机构",
        kind=kind,
        owner=owner,
        region_code=region,
        filing_authority_code=authority,
    )


def filing(
    *history: tuple[FilingStatus, date],
    institution_code: str = "S000043000123",
    valid_from: date = date(2024, 1, 1),
    valid_to: date = date(2026, 12, 31),
    scope: tuple[ScopeRow, ...] | None = None,
    filed_by: str = "HN-CS",
    filing_id: int = 1,
) -> FilingView:
    rows = scope or (
        ScopeRow(OCC, CATALOGUED.code, ALL_LEVELS),
        ScopeRow(OCC, UNCATALOGUED.code, frozenset({3, 4, 5})),
        ScopeRow(OCC, ACCESS_TYPE.code, ALL_LEVELS),
        ScopeRow(OCC, CANCELLED.code, ALL_LEVELS),
        ScopeRow(PRJ, PROJECT.code),
    )
    changes = history or ((FilingStatus.ACTIVE, valid_from),)
    return FilingView(
        id=filing_id,
        institution_code=institution_code,
        filed_by=filed_by,
        valid_from=valid_from,
        valid_to=valid_to,
        scope=rows,
        history=tuple(StatusChange(status, day) for status, day in changes),
    )


def occupation_filing(code: str = CATALOGUED.code, levels: frozenset[int] = ALL_LEVELS, **row: Any) -> FilingView:
    """The default :func:`filing` with a scope of one row: occupation ``code`` at ``levels``, with the row's other
    fields (``kinds``, ``consent_on``) from ``row``."""
    return filing(scope=(ScopeRow(OCC, code, levels, **row),))
