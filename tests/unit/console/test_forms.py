"""The console's form fields: row numbers as people type them, and a 400 (Chinese / English) for the rest."""

from __future__ import annotations

import pytest

from issuer.console.screens.forms import choice, reason, resolve_decision, review_decision, row_numbers
from issuer.errors import InvalidInputError


@pytest.mark.parametrize(
    ("typed", "rows"),
    [("3", [3]), ("3, 5-7", [3, 5, 6, 7]), ("7–9，2、2", [2, 7, 8, 9]), (" 4 ; 4 ", [4]), ("10～11", [10, 11])],
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
    with pytest.raises(InvalidInputError, match="control"):
        reason({"reason": "a\x00b"})
    with pytest.raises(InvalidInputError, match="1000"):
        reason({"reason": "长" * 1001})
    assert review_decision({"decision": "reject"}) == "reject"
    assert resolve_decision({"decision": "release"}) == "release"
    with pytest.raises(InvalidInputError, match="approve, reject"):
        choice({"decision": "maybe"}, "decision", ("approve", "reject"))
