"""What a caller sees of batches: one batch with a page of its row report and its history, and lists.

Large reports are paged (``offset``/``limit``, at most :data:`MAX_PAGE` rows), filterable by row status so
the bad rows of a 100,000-row file can be walked without fetching the good ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.auth.policy import Action, authorise, batch_target, institution_target, permits, visible_scope
from issuer.auth.principal import Principal
from issuer.batches import store
from issuer.batches.dto import BatchDetail, BatchList, BatchSummary, Counts, ImportAnswer, RowPage, RowReport
from issuer.batches.events import history, last_upload_ignored
from issuer.batches.problems import decode_problems
from issuer.batches.submission import Imported
from issuer.batches.workflow import RowStatus, State, issuable_problem, needs_province
from registry.convert import view_of
from registry.db import Database
from registry.models import Batch, BatchRow, Institution
from registry.prints import PrintInfo, current_prints
from registry.rules.policy import ProvinceProfile

MAX_PAGE: Final = 1000
DEFAULT_PAGE: Final = 100


def row_report(row: BatchRow, serials: dict[str, PrintInfo] | None = None) -> RowReport:
    printed = (serials or {}).get(row.certificate_number or "")
    return view_of(
        row,
        RowReport,
        row=row.row_no,
        problems=decode_problems(row.problems, row=row.row_no),
        print_serial=printed.serial if printed else None,
    )


def summary(batch: Batch, institution_name: str, counts: dict[str, int]) -> BatchSummary:
    state_zh = State(batch.state).label_zh
    return view_of(batch, BatchSummary, institution_name=institution_name, state_zh=state_zh, counts=Counts.of(counts))


_WAITING: Final = {
    State.PROVINCE_APPROVED: "可以启动公示 / the public notice can start",
    State.REJECTED: "已退回，可重新提交 / rejected: the institution may resubmit",
    State.ISSUED: "已发证 / issued",
}


def next_step(batch: Batch, counts: dict[str, int], province_needed: bool, now: datetime) -> str:
    """What the batch waits for, in Chinese and English (the API and ``certreg batches show`` print it)."""
    state = State(batch.state)
    if state is State.SUBMITTED:
        if counts.get(RowStatus.BAD):
            return "须重新提交更正后的文件或剔除错误行 / resubmit a corrected file or exclude the bad rows"
        return "等待市州鉴定中心审核 / waiting for the city centre's review"
    if state is State.CITY_REVIEWED:
        if province_needed:
            return "等待省鉴定中心复审（规则7） / waiting for the province centre's review (rule 7)"
        return _WAITING[State.PROVINCE_APPROVED]
    if state is State.UNDER_NOTICE or (
        state is State.ISSUED and counts.get(RowStatus.HELD, 0) + counts.get(RowStatus.OK, 0)
    ):
        return _notice_step(batch, counts, now)
    return _WAITING[state]


def _notice_step(batch: Batch, counts: dict[str, int], now: datetime) -> str:
    problem = issuable_problem(
        batch_id=batch.id, state=batch.state, notice_ends_at=batch.notice_ends_at, counts=counts, now=now
    )
    held = counts.get(RowStatus.HELD, 0)
    waiting = (
        f"；{held} 行因异议或暂缓发证而暂缓，处理后再发 / ; {held} rows held by an objection or a hold wait until "
        "resolved"
        if held
        else ""
    )
    if problem:
        return problem + (f" — {held} 行暂缓 / {held} rows held by an objection or a hold" if held else "")
    return "公示期满，可以发证 / the notice has ended: the batch can be issued" + waiting


async def _institution_names(session: AsyncSession, codes: set[str]) -> dict[str, str]:
    rows = await session.execute(select(Institution.code, Institution.name).where(Institution.code.in_(sorted(codes))))
    return dict(rows.all())


async def permitted_batch_actions(
    database: Database, caller: Principal, batch_id: int, actions: Sequence[Action]
) -> frozenset[Action]:
    """Which of ``actions`` the caller may do on the batch (the forms its console page shows: a city centre
    issues special-ability batches only, rule 6), judged by the one policy with the batch's kind."""
    async with database.reader() as session:
        batch = await store.get_batch(session, batch_id)
        region = await store.institution_region(session, batch.institution_code)
    target = batch_target(batch.id, batch.institution_code, region, batch.kind)
    return frozenset(action for action in actions if permits(caller, action, target))


async def batch_detail(
    database: Database,
    profile: ProvinceProfile,
    caller: Principal,
    batch_id: int,
    *,
    status: RowStatus | None = None,
    offset: int = 0,
    limit: int = DEFAULT_PAGE,
    now: datetime | None = None,
) -> BatchDetail:
    """The batch, its counts, one page of rows, its history. Raises NotFound (404) and Forbidden (403)."""
    now = now or datetime.now(UTC)
    async with database.reader() as session:
        batch = await store.get_batch(session, batch_id)
        region = await store.institution_region(session, batch.institution_code)
        authorise(caller, Action.VIEW, batch_target(batch.id, batch.institution_code, region))
        counts = await store.status_counts(session, batch_id)
        province = needs_province(profile, batch.kind)
        limit = max(1, min(limit, MAX_PAGE))
        total, rows = await store.row_page(
            session, batch_id, status=status.value if status else None, offset=offset, limit=limit
        )
        names = await _institution_names(session, {batch.institution_code})
        serials = await current_prints(session, [r.certificate_number for r in rows if r.certificate_number])
        entries = await history(session, batch_id)
        ignored, ignored_count = last_upload_ignored(entries)
        return BatchDetail(
            batch=summary(batch, names.get(batch.institution_code, ""), counts),
            province_approval_needed=province,
            next_step=next_step(batch, counts, province, now),
            rows=RowPage(
                total=total,
                offset=offset,
                limit=limit,
                status=status.value if status else None,
                items=[row_report(r, serials) for r in rows],
            ),
            history=entries,
            ignored_columns=ignored,
            ignored_count=ignored_count,
        )


async def list_batches(
    database: Database,
    caller: Principal,
    *,
    state: State | None = None,
    institution: str | None = None,
    offset: int = 0,
    limit: int = DEFAULT_PAGE,
) -> BatchList:
    """Batches the caller may see, newest first; asking for an institution it may not see is 403 (404 to an
    institution, as for an unknown one). An empty ``institution`` filters nothing."""
    own, prefix = visible_scope(caller)
    limit = max(1, min(limit, MAX_PAGE))
    async with database.reader() as session:
        if institution:
            region = await store.institution_region(session, institution)
            authorise(caller, Action.VIEW, institution_target(institution, region))
        batches = await store.list_batches(
            session,
            state=state.value if state else None,
            institution=institution or own,
            region_prefix=prefix,
            offset=offset,
            limit=limit,
        )
        counts = await store.counts_of(session, [b.id for b in batches])
        names = await _institution_names(session, {b.institution_code for b in batches})
    items = [summary(b, names.get(b.institution_code, ""), counts[b.id]) for b in batches]
    return BatchList(items=items, offset=offset, limit=limit)


async def batch_state_counts(database: Database, caller: Principal) -> dict[str, int]:
    """How many of the batches the caller may see are in each state (every state, zeros included)."""
    own, prefix = visible_scope(caller)
    async with database.reader() as session:
        found = await store.state_counts(session, institution=own, region_prefix=prefix)
    return {state.value: found.get(state.value, 0) for state in State}


async def import_answer(database: Database, profile: ProvinceProfile, imported: Imported) -> ImportAnswer:
    """The answer to an upload: the batch and every bad row (from the checked rows, not re-read)."""
    async with database.reader() as session:
        batch = await store.get_batch(session, imported.batch_id)
        counts = await store.status_counts(session, batch.id)
        names = await _institution_names(session, {batch.institution_code})
        province = needs_province(profile, batch.kind)
    bad = [view_of(r, RowReport, row=r.row_no, status=RowStatus.BAD.value) for r in imported.rows if r.problems]
    return ImportAnswer(
        batch=summary(batch, names.get(batch.institution_code, ""), counts),
        next_step=next_step(batch, counts, province, datetime.now(UTC)),
        bad_rows=bad,
        ignored_columns=list(imported.parsed.columns.ignored),
        sheet=imported.parsed.table.name,
    )
