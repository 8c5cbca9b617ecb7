"""The pure workflow rules: state checks, province approval, notice period, issuing preconditions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from issuer.batches.workflow import (
    State,
    clean_reason,
    issuable_problem,
    needs_province,
    notice_days,
    notice_states,
    notice_window,
    require_issuable,
    require_reason,
    require_state,
    row_ranges,
)
from issuer.errors import BatchStateError, InvalidInputError
from registry.rules.profiles import HUNAN

NOW = datetime(2025, 6, 10, 2, 0, tzinfo=UTC)


def test_a_wrong_state_says_what_it_is_and_what_is_needed() -> None:
    require_state(3, "submitted", (State.SUBMITTED,), action_zh="审核", action_en="review")
    with pytest.raises(BatchStateError) as caught:
        require_state(
            3, "under_notice", (State.SUBMITTED, State.REJECTED), action_zh="重新提交", action_en="resubmitting"
        )
    message = str(caught.value)
    assert "公示中" in message
    assert "batch 3 is under_notice" in message
    assert "needs it to be submitted or rejected" in message


@pytest.mark.parametrize(
    ("kind", "needed"), [("skill_level", True), ("qualification", True), ("special_ability", False)]
)
def test_every_level_of_skill_and_qualification_results_goes_to_the_province(kind: str, needed: bool) -> None:
    """Rule 7 (002 §4(3)): results at every level, city first review → province review; special ability is
    confirmed by the city centre (003 §3(3))."""
    assert needs_province(HUNAN, kind) is needed
    assert notice_states(needed) == ((State.PROVINCE_APPROVED,) if needed else (State.CITY_REVIEWED,))


def test_the_notice_is_the_profile_days_unless_the_setting_overrides() -> None:
    assert notice_days(HUNAN, None) == 7
    assert notice_days(HUNAN, 0) == 0
    start, end = notice_window(NOW, 7)
    assert end - start == timedelta(days=7)


def _issuable(**changes: object) -> str | None:
    values: dict[str, object] = {
        "batch_id": 1,
        "state": "under_notice",
        "notice_ends_at": NOW - timedelta(seconds=1),
        "counts": {"ok": 3, "bad": 0, "held": 0, "excluded": 1},
        "now": NOW,
    }
    values.update(changes)
    return issuable_problem(**values)  # type: ignore[arg-type]


def test_issuing_needs_an_ended_notice_and_no_bad_rows_while_held_rows_wait() -> None:
    assert _issuable() is None
    assert "not under notice" in (_issuable(state="province_approved") or "")
    assert "rule 8" in (_issuable(notice_ends_at=NOW + timedelta(minutes=1)) or "")
    assert "2025-06-10 10:01 (UTC+8)" in (_issuable(notice_ends_at=NOW + timedelta(minutes=1)) or "")
    assert _issuable(counts={"ok": 3, "held": 1}) is None  # rule 8 holds the record concerned, not the batch
    assert "1 held by an objection" in (_issuable(counts={"held": 1}) or "")
    assert "bad" in (_issuable(counts={"ok": 3, "bad": 1}) or "")
    assert "no row left" in (_issuable(counts={"excluded": 4}) or "")
    assert _issuable(state="issued", counts={"ok": 1, "issued": 9}) is None  # released after issue
    with pytest.raises(BatchStateError):
        require_issuable(batch_id=1, state="issued", notice_ends_at=NOW, counts={"issued": 1}, now=NOW)


@pytest.mark.parametrize(
    ("rows", "text"), [([], ""), ([5], "5"), ([3, 1, 2, 2], "1-3"), ([1, 2, 3, 7, 9, 10], "1-3,7,9-10")]
)
def test_row_numbers_are_written_as_ranges(rows: list[int], text: str) -> None:
    assert row_ranges(rows) == text


def test_a_batch_step_s_reason_has_the_limit_of_every_reason() -> None:
    """A batch step took a reason of any length (the API's body 1,000) where a certificate's change takes 500."""
    assert require_reason(" " + "x" * 500 + "\n") == "x" * 500
    for check in (clean_reason, require_reason):
        with pytest.raises(InvalidInputError) as refused:
            check("x" * 501)
        assert refused.value.code == "reason.too_long"
        assert str(refused.value) == "原因不能超过500字 / the reason is longer than 500 characters"
