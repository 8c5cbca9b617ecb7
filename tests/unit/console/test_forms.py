"""The console's form fields: row numbers as people type them, and a 400 (Chinese / English) for the rest."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from issuer.console.screens import batches
from issuer.console.screens.forms import choice, reason, resolve_decision, review_decision, row_numbers, text
from issuer.errors import InvalidInputError


@pytest.mark.parametrize(
    ("typed", "rows"),
    [
        ("3", [3]),
        ("3, 5-7", [3, 5, 6, 7]),
        ("7–9，2、2", [2, 7, 8, 9]),
        (" 4 ; 4 ", [4]),
        ("10～11", [10, 11]),
        ("３－５", [3, 4, 5]),
        ("２—３；８", [2, 3, 8]),
    ],  # typed in a Chinese IME's full-width mode
)
def test_row_numbers_as_typed(typed: str, rows: list[int]) -> None:
    assert row_numbers({"rows": typed}) == rows


@pytest.mark.parametrize("typed", ["", "  ", "a", "3-1", "0", "2-", "1-99999999999", "1-200000"])
def test_row_numbers_refused_with_a_bilingual_message(typed: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        row_numbers({"rows": typed})
    assert refused.value.code == "form.rows"
    assert " / " in str(refused.value)


def test_reason_choice_and_decisions() -> None:
    assert reason({"reason": "  核实 "}) == "核实"
    assert reason({}, required=False) == ""
    with pytest.raises(InvalidInputError, match="reason"):
        reason({})
    with pytest.raises(InvalidInputError, match=r"^原因含控制字符 / the reason contains control characters$"):
        reason({"reason": "a\x00b"})  # named as the form labels it, not by its wire name
    assert reason({"reason": "长" * 500}) == "长" * 500
    with pytest.raises(InvalidInputError, match=r"^原因不能超过500字 / the reason is longer than 500 characters$"):
        reason({"reason": "长" * 501})  # the services' limit (rule text): the console allowed 1,000
    assert review_decision({"decision": "reject"}) == "reject"
    assert resolve_decision({"decision": "release"}) == "release"
    with pytest.raises(InvalidInputError, match="approve, reject"):
        choice({"decision": "maybe"}, "decision", ("approve", "reject"))


@pytest.mark.parametrize(
    ("fields", "read", "said"),
    [
        ({}, reason, "必须填写原因 / a reason is required"),  # the API's refusal word for word (ReasonRequiredError)
        ({"print_serial": "长" * 65}, lambda f: text(f, "print_serial", max_length=64), "印制流水码过长（最多 64 字）"),
        ({"decision": "x"}, review_decision, "决定须为 approve、reject / the decision must be one of"),
    ],
)
def test_a_refusal_names_the_field_as_its_screen_labels_it(
    fields: dict[str, str], read: Callable[[dict[str, str]], object], said: str
) -> None:
    """The Chinese half named the wire field ("请填写 reason"), which the operator never sees."""
    with pytest.raises(InvalidInputError) as refused:
        read(fields)
    assert str(refused.value).startswith(said)


def test_the_rows_a_confirmation_names_are_ranges_cut_past_a_line() -> None:
    assert batches.row_ranges([3, 5, 6, 7, 9]) == "3, 5-7, 9"
    many = batches.row_ranges(list(range(2, 400, 2)))
    assert many.endswith(", …")
    assert len(many) <= 84
    assert batches.done_message("exclude", many) == f"已剔除行 {many} / rows {many} excluded"
    assert batches.done_message("hold", "3") == "已暂缓发证：行 3 / row 3 held"
    assert batches.done_message("hold", "<b>3</b>") is None  # not as written here: nothing said
    assert batches.done_message("notice", None) == "已启动公示 / the notice started"
    assert batches.done_message("delete-everything", "3") is None
