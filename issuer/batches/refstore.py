"""Reference data a batch is judged against, read from the database and converted to the rule views.

The rules (:mod:`registry.rules.eligibility`) never see an ORM row; this module builds the frozen views of
:mod:`registry.rules.views` once per batch. Also the duplicate look-up of the holders' valid certificates
(through ``ix_certificate_holder``); their rows in batches not yet issued are the batch store's
(:func:`issuer.batches.store.pending_rows`: the only module with SQL on the batch tables).
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from registry.certificates import statuses
from registry.lookups import get_or_refuse
from registry.models import (
    Authority,
    Certificate,
    Institution,
)
from registry.rule_views import authority_view, filing_views, institution_view
from registry.rules.views import (
    AuthorityView,
    FilingView,
    InstitutionView,
)
from registry.sets import member_of
from registry.vocab import AuthorityLevel, CertificateKind, CertificateStatus

Key = tuple[bytes, str, int]


class InstitutionRefs(msgspec.Struct, frozen=True):
    """An institution as the rules see it, with its name and the city centre that reviews it."""

    institution: InstitutionView
    name: str
    filing_authority: AuthorityView
    filings: tuple[FilingView, ...]
    city_authority: str | None


async def institution_row(session: AsyncSession, code: str) -> Institution:
    """The institution; raises :class:`NotFoundError` (404)."""
    return await get_or_refuse(session, Institution, code, named=("鉴定机构", "institution"))


async def authority_region(session: AsyncSession, code: str) -> str | None:
    return await session.scalar(select(Authority.region_code).where(Authority.code == code))


async def city_authority_of(session: AsyncSession, region_code: str) -> str | None:
    """The city centre of a region's prefecture (first four digits), if the registry has one."""
    rows = await session.execute(
        select(Authority.code, Authority.region_code)
        .where(Authority.level == AuthorityLevel.CITY.value)
        .order_by(Authority.code)
    )
    return next((code for code, region in rows if region[:4] == region_code[:4]), None)


async def institution_refs(session: AsyncSession, code: str) -> InstitutionRefs:
    """Everything rules 1–6 need about institution ``code``; raises :class:`NotFoundError`."""
    row = await institution_row(session, code)
    return InstitutionRefs(
        institution=institution_view(row),
        name=row.name,
        filing_authority=await authority_view(session, row.filing_authority_code),
        filings=tuple(await filing_views(session, code)),
        city_authority=await city_authority_of(session, row.region_code),
    )


def holder_certificates(kind: CertificateKind, condition: ColumnElement[bool]) -> Select[bytes, str, int, str]:
    """The certificates of ``kind`` whose holder digest meets ``condition`` (from :func:`member_of`)."""
    return select(Certificate.holder_id_digest, Certificate.subject_code, Certificate.level, Certificate.number).where(
        condition, Certificate.kind == kind.value
    )


async def valid_certificates(session: AsyncSession, kind: CertificateKind, digests: Iterable[bytes]) -> dict[Key, str]:
    """(digest, subject, level) → number of each *valid* certificate of these holders of ``kind`` (one
    array-parameter query on PostgreSQL: :mod:`registry.sets`)."""
    found: dict[Key, str] = {}
    dialect = session.get_bind().dialect.name
    for condition in member_of(Certificate.holder_id_digest, sorted(digests), dialect):
        rows = await session.execute(holder_certificates(kind, condition))
        for digest, subject, level, number in rows:
            found[(digest, subject, level)] = number
    if not found:
        return found
    changed = await statuses(session, found.values())
    return {key: number for key, number in found.items() if number not in changed or _valid(changed[number].status)}


def _valid(status: CertificateStatus) -> bool:
    return status is CertificateStatus.VALID
