"""Occupation codes, levels and ISO dates."""

from __future__ import annotations

from datetime import date

import pytest

from registry.rules.errors import RuleError
from registry.rules.formats import (
    check_iso_date,
    check_level,
    check_occupation_code,
    occupation_of,
    parse_iso_date,
    parse_level,
    validate_occupation_code,
)


@pytest.mark.parametrize("code", ["6-31-01-03", "4-04-05-05", "2-02-10-09", "6-31-01-03-02"])
def test_good_occupation_codes(code: str) -> None:
    assert check_occupation_code(code) is None


@pytest.mark.parametrize(
    "code", ["", "6-31-01", "63101 03", "6-31-1-03", "9-31-01-03", "0-31-01-03", "6-31-01-03-2", "6.31.01.03"]
)
def test_bad_occupation_codes(code: str) -> None:
    problem = check_occupation_code(code)
    assert problem is not None
    assert problem.code == "occupation.format"


def test_occupation_code_normalisation_and_trade() -> None:
    assert validate_occupation_code(" ６－３１－０１－０３ ") == "6-31-01-03"
    assert occupation_of("6-31-01-03-02") == "6-31-01-03"
    with pytest.raises(RuleError, match=r"occupation\.format"):
        validate_occupation_code("6-31")


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_levels_one_to_five(level: int) -> None:
    assert check_level(level) is None


@pytest.mark.parametrize("level", [0, 6, -1, True])
def test_levels_outside_the_range(level: int) -> None:
    problem = check_level(level)
    assert problem is not None
    assert problem.code == "level.range"


@pytest.mark.parametrize(
    ("text", "level"),
    [("3", 3), (" 5 ", 5), ("三级", 3), ("高级技师", 1), ("技师", 2), ("初级工", 5), (4, 4),
     ("4级", 4), ("四级/中级工", 4), (" 三级 / 高级工 ", 3), ("三级（高级工）", 3), ("一级／高级技师", 1)],
)  # fmt: skip
def test_parse_level(text: int | str, level: int) -> None:
    assert parse_level(text) == level


@pytest.mark.parametrize("text", ["6", "0", "特级技师", "", "3.0", 9, "四级/高级工", "6级", "/", "级"])
def test_parse_level_rejects(text: int | str) -> None:
    with pytest.raises(RuleError, match=r"level\.range"):
        parse_level(text)


def test_iso_dates() -> None:
    assert parse_iso_date("2024-02-29") == date(2024, 2, 29)
    assert check_iso_date("2025-01-31") is None


@pytest.mark.parametrize("text", ["2025-02-29", "20250101", "2025-W01-1", "2025/01/01", "25-01-01", ""])
def test_bad_iso_dates(text: str) -> None:
    problem = check_iso_date(text)
    assert problem is not None
    assert problem.code == "date.format"
