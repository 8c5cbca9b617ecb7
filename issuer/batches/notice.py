"""The public notice (公示, docs/rules.md rule 8): batches under notice and their people, names masked.

Public and unauthenticated, so only what the notice requires leaves this module: the masked name, the
occupation or project (code and name), the level, the institution and the notice period. Rows ``ok`` and
``held`` are listed (an objection does not take a person off the notice); ``bad`` and ``excluded`` never.
The batch tables are read through :mod:`issuer.batches.store` (the only module with SQL on them).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Final

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.batches import store
from issuer.batches.masking import mask_name
from registry.db import Database
from registry.errors import NotFoundError
from registry.models import AbilityProject, Batch, Institution, Occupation
from registry.rules.formats import occupation_of
from registry.vocab import KIND_LABELS_ZH, LEVEL_LABELS_ZH, CertificateKind

PAGE_SIZE: Final = 100
PREVIEW: Final = 20
BATCHES_PER_PAGE: Final = 20


class NoticeRow(msgspec.Struct, frozen=True, kw_only=True):
    name: str  # masked
    subject_code: str
    subject_name: str
    level: int
    level_zh: str


class NoticeBatch(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    institution_code: str
    institution_name: str
    kind: str
    kind_zh: str
    assessed_on: date
    notice_starts_at: datetime
    notice_ends_at: datetime
    ended: bool
    people: int
    page: int
    pages: int
    rows: list[NoticeRow]


class NoticeIndex(msgspec.Struct, frozen=True, kw_only=True):
    """A page of the batches under notice, newest notice first."""

    batches: list[NoticeBatch]
    total: int
    page: int
    pages: int


async def _subject_names(session: AsyncSession, kind: CertificateKind, codes: set[str]) -> dict[str, str]:
    if kind is CertificateKind.SPECIAL_ABILITY:
        rows = await session.execute(
            select(AbilityProject.code, AbilityProject.name).where(AbilityProject.code.in_(sorted(codes)))
        )
        return dict(rows.all())
    wanted = codes | {occupation_of(code) for code in codes}
    rows = await session.execute(select(Occupation.code, Occupation.name).where(Occupation.code.in_(sorted(wanted))))
    names = dict(rows.all())
    return {code: names.get(code) or names.get(occupation_of(code), "") for code in codes}


async def _notice_batch(session: AsyncSession, batch: Batch, *, page: int, per_page: int, now: datetime) -> NoticeBatch:
    people, page, rows = await store.notice_people(session, batch.id, page=page, per_page=per_page)
    pages = max(1, -(-people // per_page))
    kind = CertificateKind(batch.kind)
    names = await _subject_names(session, kind, {code for _, code, _ in rows})
    institution = await session.get(Institution, batch.institution_code)
    assert batch.notice_starts_at is not None  # a batch under notice has both
    assert batch.notice_ends_at is not None
    return NoticeBatch(
        id=batch.id,
        institution_code=batch.institution_code,
        institution_name=institution.name if institution else "",
        kind=batch.kind,
        kind_zh=KIND_LABELS_ZH[kind],
        assessed_on=batch.assessed_on,
        notice_starts_at=batch.notice_starts_at,
        notice_ends_at=batch.notice_ends_at,
        ended=now >= batch.notice_ends_at,
        people=people,
        page=page,
        pages=pages,
        rows=[
            NoticeRow(
                name=mask_name(name),
                subject_code=code,
                subject_name=names.get(code, ""),
                level=level,
                level_zh=LEVEL_LABELS_ZH.get(level, "") if level else "—",
            )
            for name, code, level in rows
        ],
    )


async def notice_list(database: Database, *, page: int = 1, now: datetime | None = None) -> NoticeIndex:
    """A page of :data:`BATCHES_PER_PAGE` batches under notice, each with its first :data:`PREVIEW` people."""
    now = now or datetime.now(UTC)
    async with database.reader() as session:
        total = await store.count_under_notice(session)
        pages = max(1, -(-total // BATCHES_PER_PAGE))
        page = max(1, min(page, pages))
        batches = await store.under_notice_page(session, offset=(page - 1) * BATCHES_PER_PAGE, limit=BATCHES_PER_PAGE)
        shown = [await _notice_batch(session, b, page=1, per_page=PREVIEW, now=now) for b in batches]
    return NoticeIndex(batches=shown, total=total, page=page, pages=pages)


async def notice_of(database: Database, batch_id: int, *, page: int = 1, now: datetime | None = None) -> NoticeBatch:
    """One batch under notice, a page of :data:`PAGE_SIZE` people; :class:`NotFoundError` otherwise."""
    now = now or datetime.now(UTC)
    async with database.reader() as session:
        batch = await store.under_notice(session, batch_id)
        if batch is None:
            raise NotFoundError(f"没有正在公示的批次 {batch_id} / batch {batch_id} is not under public notice")
        return await _notice_batch(session, batch, page=page, per_page=PAGE_SIZE, now=now)
