"""The states of a batch and what each transition needs (docs/rules.md rules 7 and 8). Pure.

::

    submitted ──review──▶ city_reviewed ──approve──▶ province_approved ──notice──▶ under_notice ──▶ issued
        ▲  │                   │  (skill level, qualification: every level, rule 7)   ▲
        │  └──reject──▶ rejected ◀──reject──┘                                        │
        └──resubmit──┘         └────────────notice (special ability: the city only)──┘

``issued`` is set by the issuing side, only from ``under_notice`` once the notice has ended and no row is
``bad`` (:func:`issuable_problem`); rows held by an objection or a reviewer's hold wait while the others
are issued.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Final

from issuer.batches.errors import BatchRequestError
from issuer.errors import BatchStateError, ReasonRequiredError
from issuer.text_checks import check_reason_length, check_text, check_typed
from registry.calendar import province_time_text
from registry.labels import LabelledEnum
from registry.rules.policy import ProvinceProfile


class State(LabelledEnum):
    SUBMITTED = "submitted", "已提交待市州审核"
    CITY_REVIEWED = "city_reviewed", "市州已审核"
    PROVINCE_APPROVED = "province_approved", "省级已批准"
    UNDER_NOTICE = "under_notice", "公示中"
    ISSUED = "issued", "已发证"
    REJECTED = "rejected", "已退回"


class RowStatus(LabelledEnum):
    OK = "ok", "合格"
    BAD = "bad", "错误"
    EXCLUDED = "excluded", "剔除"
    HELD = "held", "暂缓"  # an objection during the notice (rule 8) or a reviewer's hold at issue time
    ISSUED = "issued", "已发证"


#: States in which a batch's rows are still on their way to certificates (duplicate checks look here).
PENDING_STATES: Final = (State.SUBMITTED, State.CITY_REVIEWED, State.PROVINCE_APPROVED, State.UNDER_NOTICE)


def require_state(batch_id: int, current: str, allowed: Iterable[State], *, action_zh: str, action_en: str) -> None:
    """Raise :class:`BatchStateError` (409) unless ``current`` is one of ``allowed``; says what is needed."""
    wanted = tuple(allowed)
    if current in wanted:
        return
    state = State(current)
    raise BatchStateError(
        f"批次 {batch_id} 当前状态为“{state.label_zh}”，{action_zh}需要状态"
        f"“{'”或“'.join(s.label_zh for s in wanted)}” / batch {batch_id} is {state.value}; "
        f"{action_en} needs it to be {' or '.join(s.value for s in wanted)}"
    )


def needs_province(profile: ProvinceProfile, kind: str) -> bool:
    """Rule 7: whether a batch of ``kind`` goes to the province review after the city's — every level of
    skill-level and qualification results; special ability stops at the city."""
    return profile.needs_province_review(kind)


def notice_states(province_needed: bool) -> tuple[State, ...]:
    """The state a batch must be in before its notice can start."""
    return (State.PROVINCE_APPROVED,) if province_needed else (State.CITY_REVIEWED,)


def notice_days(profile: ProvinceProfile, override: int | None) -> int:
    """Rule 8: the minimum notice period; ``CERTREG_NOTICE_DAYS`` overrides the profile's (tests)."""
    return profile.notice_days if override is None else override


def notice_window(start: datetime, days: int) -> tuple[datetime, datetime]:
    """A notice of ``days`` full days from ``start`` (7 days from 10:00 on the 1st ends 10:00 on the 8th)."""
    return start, start + timedelta(days=days)


def issuable_problem(
    *, batch_id: int, state: str, notice_ends_at: datetime | None, counts: dict[str, int], now: datetime
) -> str | None:
    """Why the batch cannot be issued now (bilingual), or ``None`` when it can.

    The preconditions of issuing: state ``under_notice`` (or ``issued``, for rows an objection held and
    that were released since); the notice has ended; no ``bad`` row; at least one ``ok`` row. Rows held by
    an objection do not stop the others (rule 8 holds *the record concerned*): they wait, and are issued
    once released. ``excluded`` rows are skipped.
    """
    if state not in (State.UNDER_NOTICE, State.ISSUED) or notice_ends_at is None:
        return f"批次 {batch_id} 未在公示中 / batch {batch_id} is {state}, not under notice"
    if now < notice_ends_at:
        return (
            f"公示期至 {province_time_text(notice_ends_at)} 结束，期满前不能发证（规则8） / the public notice ends at "
            f"{province_time_text(notice_ends_at)}; the public notice must end before issue (rule 8)"
        )
    if bad := counts.get(RowStatus.BAD, 0):
        return f"有 {bad} 行有错误，须先处理 / {bad} rows are bad; resolve them first"
    if not counts.get(RowStatus.OK, 0):
        held = counts.get(RowStatus.HELD, 0)
        waiting = f"（{held} 行因异议或暂缓发证而暂缓）" if held else ""
        waiting_en = f" ({held} held by an objection or a hold)" if held else ""
        return f"批次 {batch_id} 没有可发证的行{waiting} / batch {batch_id} has no row left to issue{waiting_en}"
    return None


def require_issuable(
    *, batch_id: int, state: str, notice_ends_at: datetime | None, counts: dict[str, int], now: datetime
) -> None:
    """Raise :class:`BatchStateError` (409) unless the batch may be issued now (:func:`issuable_problem`)."""
    problem = issuable_problem(batch_id=batch_id, state=state, notice_ends_at=notice_ends_at, counts=counts, now=now)
    if problem is not None:
        raise BatchStateError(problem)


def row_ranges(rows: Iterable[int]) -> str:
    """Row numbers as compact ranges for an event (``1-3,7,9-10``): events hold no lists."""
    ordered = sorted(set(rows))
    parts: list[str] = []
    start = prev = None
    for number in ordered:
        if prev is not None and number == prev + 1:
            prev = number
            continue
        if start is not None:
            parts.append(str(start) if start == prev else f"{start}-{prev}")
        start = prev = number
    if start is not None:
        parts.append(str(start) if start == prev else f"{start}-{prev}")
    return ",".join(parts)


def clean_reason(reason: str) -> str:
    """The stripped reason, possibly empty; :class:`InvalidInputError` (400) when it is longer than
    :data:`~issuer.text_checks.REASON_MAX_LENGTH` (every reason's limit), holds control characters other than
    line breaks and tabs (PostgreSQL refuses U+0000 in text), invisible format characters or a document
    number (rule ``text``, docs/rules.md "Typed text")."""
    checked = check_text(check_reason_length(reason.strip()), field="reason", allowed="\n\r\t")
    return check_typed(checked, field="reason", what=REASON, formula_checked=False)


#: How messages name a reason (rule ``text``).
REASON: Final = ("原因", "The reason")


def require_reason(reason: str) -> str:
    """The stripped reason; :class:`ReasonRequiredError` (400, as on every route that takes a reason) when
    it is empty (rule 11: responsibility traceable), :class:`InvalidInputError` for control characters."""
    text = clean_reason(reason)
    if not text:
        raise ReasonRequiredError
    return text


def require_rows(wanted: list[int], current: dict[int, str], allowed: tuple[RowStatus, ...]) -> None:
    """Raise :class:`BatchRequestError` naming rows the batch does not hold or whose status does not fit."""
    missing = sorted(set(wanted) - set(current))
    if missing:
        raise BatchRequestError(
            f"批次中没有这些行：{row_ranges(missing)} / the batch has no rows {row_ranges(missing)}",
            code="rows.unknown",
        )
    wrong = sorted(number for number, status in current.items() if status not in allowed)
    if wrong:
        listed, zh, en = row_ranges(wrong), "、".join(s.label_zh for s in allowed), ", ".join(allowed)
        raise BatchRequestError(
            f"这些行的状态不允许此操作：{listed}（须为 {zh}）/ rows {listed} are not {en}", code="rows.status"
        )
