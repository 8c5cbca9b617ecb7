"""The review and notice transitions of a batch (docs/rules.md rules 7 and 8), and the holds, one transaction each.

Every transition checks who may (:mod:`issuer.auth.policy`; the reviews also :mod:`issuer.auth.duties`),
locks the batch by moving it out of the state it expects
(``store.move_state``: a concurrent transition gets 409) and appends its event in the same transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from issuer.auth.duties import Step, require_separate
from issuer.auth.policy import Action, authorise, batch_target
from issuer.auth.principal import Principal
from issuer.batches import store
from issuer.batches.errors import BatchRequestError
from issuer.batches.events import batch_event, step_actors
from issuer.batches.workflow import (
    RowStatus,
    State,
    clean_reason,
    needs_province,
    notice_days,
    notice_states,
    notice_window,
    require_reason,
    require_rows,
    row_ranges,
)
from issuer.errors import BatchStateError
from registry.calendar import province_time_text
from registry.db import Database
from registry.events import DetailValue, EventKind, append_events
from registry.models import Batch
from registry.rules.policy import ProvinceProfile

Decision = Literal["approve", "reject"]


async def _load(session: AsyncSession, caller: Principal, batch_id: int, action: Action) -> Batch:
    batch = await store.get_batch(session, batch_id)
    region = await store.institution_region(session, batch.institution_code)
    authorise(caller, action, batch_target(batch.id, batch.institution_code, region))
    return batch


async def _require_rows_to_go_on(session: AsyncSession, batch: Batch) -> dict[str, int]:
    counts = await store.status_counts(session, batch.id)
    if counts[RowStatus.BAD]:
        raise BatchStateError(
            f"批次 {batch.id} 有 {counts[RowStatus.BAD]} 行错误，须重新提交或剔除后才能继续 / batch {batch.id} has "
            f"{counts[RowStatus.BAD]} bad rows: resubmit a corrected file or exclude them first"
        )
    if not counts[RowStatus.OK] and not counts[RowStatus.HELD]:
        raise BatchStateError(f"批次 {batch.id} 没有有效的行 / batch {batch.id} has no row left")
    return counts


async def review_batch(
    database: Database, caller: Principal, batch_id: int, decision: Decision, reason: str, *, profile: ProvinceProfile
) -> None:
    """The city centre's review (rule 7): ``submitted`` → ``city_reviewed`` or ``rejected``.

    Raises :class:`Forbidden`, :class:`BatchStateError` (wrong state, bad rows left),
    :class:`ReasonRequiredError` (a rejection without a reason).
    """
    async with database.transaction() as session:
        reason = clean_reason(reason)
        batch = await _load(session, caller, batch_id, Action.REVIEW)
        require_separate(caller, Step.CITY_REVIEW, await step_actors(session, batch), batch_id=batch.id)
        expected = (State.SUBMITTED,)
        if decision == "reject":
            await _reject(session, caller, batch, expected, reason, stage="city")
            return
        await store.move_state(session, batch, expected, None, action_zh="市州审核", action_en="the city review")
        await _require_rows_to_go_on(session, batch)
        levels = await store.live_levels(session, batch.id)
        province = needs_province(profile, batch.kind)
        await store.move_state(
            session, batch, expected, State.CITY_REVIEWED, action_zh="市州审核", action_en="the city review"
        )
        details: dict[str, DetailValue] = {"province_approval_needed": province, "levels": ",".join(map(str, levels))}
        await append_events(
            session, [batch_event(EventKind.BATCH_CITY_REVIEWED, batch.id, caller, reason=reason, details=details)]
        )


async def approve_batch(
    database: Database, caller: Principal, batch_id: int, decision: Decision, reason: str, *, profile: ProvinceProfile
) -> None:
    """The province centre's review (rule 7) of a skill-level or qualification batch, at every level, by
    someone other than its submitter and its city reviewer (:mod:`issuer.auth.duties`)."""
    async with database.transaction() as session:
        reason = clean_reason(reason)
        batch = await _load(session, caller, batch_id, Action.APPROVE)
        expected = (State.CITY_REVIEWED,)
        await store.move_state(session, batch, expected, None, action_zh="省级复审", action_en="province review")
        if not needs_province(profile, batch.kind):
            raise BatchStateError(
                f"批次 {batch.id} 为专项职业能力，由市州鉴定中心确认，无须省级复审，可直接公示（规则7） / batch "
                f"{batch.id} is special ability, confirmed by the city centre with no province review; start the "
                "notice instead (rule 7)"
            )
        require_separate(caller, Step.PROVINCE_REVIEW, await step_actors(session, batch), batch_id=batch.id)
        if decision == "reject":
            await _reject(session, caller, batch, expected, reason, stage="province")
            return
        await store.move_state(
            session, batch, expected, State.PROVINCE_APPROVED, action_zh="省级复审", action_en="province review"
        )
        event = batch_event(EventKind.BATCH_PROVINCE_APPROVED, batch.id, caller, reason=reason)
        await append_events(session, [event])


async def _reject(
    session: AsyncSession, caller: Principal, batch: Batch, expected: tuple[State, ...], reason: str, *, stage: str
) -> None:
    reason = require_reason(reason)
    await store.move_state(session, batch, expected, State.REJECTED, action_zh="退回", action_en="rejecting")
    event = batch_event(EventKind.BATCH_REJECTED, batch.id, caller, reason=reason, details={"stage": stage})
    await append_events(session, [event])


async def start_notice(
    database: Database,
    caller: Principal,
    batch_id: int,
    *,
    profile: ProvinceProfile,
    notice_setting: int | None,
    days: int | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> None:
    """Start the public notice (rule 8) of a reviewed batch: at least the profile's days, or
    ``notice_setting`` (``CERTREG_NOTICE_DAYS``, ``IssuingSettings.notice_days``: checked at start-up, shorter
    only in demo mode); ``days`` may only lengthen it. Raises as the other transitions."""
    now = now or datetime.now(UTC)
    async with database.transaction() as session:
        reason = clean_reason(reason)
        batch = await _load(session, caller, batch_id, Action.NOTICE)
        province = needs_province(profile, batch.kind)
        expected = notice_states(province)
        await store.move_state(session, batch, expected, None, action_zh="启动公示", action_en="starting the notice")
        minimum = notice_days(profile, notice_setting)
        if days is not None and days < minimum:
            raise BatchRequestError(
                f"公示期不得少于 {minimum} 天（规则8） / the notice lasts at least {minimum} days (rule 8)",
                code="notice.too_short",
            )
        starts, ends = notice_window(now, minimum if days is None else days)
        await store.move_state(
            session,
            batch,
            expected,
            State.UNDER_NOTICE,
            action_zh="启动公示",
            action_en="starting the notice",
            notice_starts_at=starts,
            notice_ends_at=ends,
        )
        details: dict[str, DetailValue] = {
            "days": (ends - starts).days,
            "starts_at": starts.isoformat(),
            "ends_at": ends.isoformat(),
        }
        event = batch_event(EventKind.BATCH_NOTICE_STARTED, batch.id, caller, reason=reason, details=details)
        await append_events(session, [event])


async def _hold(
    session: AsyncSession, batch: Batch, rows: list[int], *, kind: EventKind, caller: Principal, reason: str
) -> None:
    """Set ``rows`` (``ok`` or already ``held``) to ``held`` and log why (an objection or a reviewer's hold)."""
    current = await store.rows_with_status(session, batch.id, rows)
    require_rows(rows, current, (RowStatus.OK, RowStatus.HELD))
    await store.set_status(session, batch.id, rows, RowStatus.HELD)
    await store.refresh_counts(session, batch.id)
    details: dict[str, DetailValue] = {"rows": row_ranges(rows), "count": len(set(rows))}
    await append_events(session, [batch_event(kind, batch.id, caller, reason=reason, details=details)])


async def record_objection(
    database: Database, caller: Principal, batch_id: int, rows: list[int], reason: str, *, now: datetime | None = None
) -> None:
    """An objection during the notice holds the named rows (rule 8): they cannot be issued until resolved."""
    now = now or datetime.now(UTC)
    reason = require_reason(reason)
    async with database.transaction() as session:
        batch = await _load(session, caller, batch_id, Action.OBJECT)
        await store.move_state(
            session, batch, (State.UNDER_NOTICE,), None, action_zh="登记异议", action_en="recording an objection"
        )
        if batch.notice_ends_at is not None and now >= batch.notice_ends_at:
            ended = province_time_text(batch.notice_ends_at)
            raise BatchStateError(
                f"公示期已于 {ended} 结束，异议须在公示期内提出 / the notice ended at {ended}; objections are taken "
                "during the notice"
            )
        await _hold(session, batch, rows, kind=EventKind.BATCH_OBJECTION, caller=caller, reason=reason)


async def hold_rows(database: Database, caller: Principal, batch_id: int, rows: list[int], reason: str) -> None:
    """A reviewer holds rows of a batch under notice or issued, so that the others can be issued.

    Issuing re-checks every ``ok`` row (rules 1–6, duplicates) and refuses the whole batch when one fails: a
    filing suspended during the notice, or a holder who got the same certificate through another batch,
    would otherwise leave the batch stuck — objections close with the notice, exclusions with the review.
    Held rows wait like rows held by an objection and are resolved the same way (:func:`resolve_objection`:
    released back to ``ok`` or excluded)."""
    reason = require_reason(reason)
    async with database.transaction() as session:
        batch = await _load(session, caller, batch_id, Action.HOLD)
        await store.move_state(
            session, batch, (State.UNDER_NOTICE, State.ISSUED), None, action_zh="暂缓发证", action_en="holding rows"
        )
        await _hold(session, batch, rows, kind=EventKind.BATCH_ROWS_HELD, caller=caller, reason=reason)


async def resolve_objection(
    database: Database,
    caller: Principal,
    batch_id: int,
    *,
    rows: list[int],
    decision: Literal["release", "exclude"],
    reason: str,
) -> None:
    """Resolve held rows (held by an objection or by :func:`hold_rows`): they go back to ``ok``
    (``release``) or are ``excluded``.

    Also after the batch was issued: its other rows were issued meanwhile, released rows are issued by
    issuing the batch again (each exactly once)."""
    reason = require_reason(reason)
    async with database.transaction() as session:
        batch = await _load(session, caller, batch_id, Action.RESOLVE)
        await store.move_state(
            session,
            batch,
            (State.UNDER_NOTICE, State.ISSUED),
            None,
            action_zh="处理暂缓的行",
            action_en="resolving held rows",
        )
        current = await store.rows_with_status(session, batch.id, rows)
        require_rows(rows, current, (RowStatus.HELD,))
        target = RowStatus.OK if decision == "release" else RowStatus.EXCLUDED
        await store.set_status(session, batch.id, rows, target)
        await store.refresh_counts(session, batch.id)
        details: dict[str, DetailValue] = {"rows": row_ranges(rows), "count": len(set(rows)), "decision": decision}
        event = batch_event(EventKind.BATCH_OBJECTION_RESOLVED, batch.id, caller, reason=reason, details=details)
        await append_events(session, [event])
