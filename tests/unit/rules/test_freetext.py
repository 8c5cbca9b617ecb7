"""Rule ``text`` (docs/rules.md "Typed text"): document numbers found by shape and masked, invisible
characters named by code point, formula starts found and neutralised for export."""

from __future__ import annotations

import csv
import io

import pytest

from registry.rules.document_shapes import document_numbers_in, redact_document_numbers
from registry.rules.freetext import (
    invisible_characters,
    spreadsheet_safe,
    starts_like_formula,
    text_violation,
)

WHAT = ("原因", "The reason")


@pytest.mark.parametrize(
    "text",
    [
        "430102199003071234",
        "身份证11010519491231002x号",  # lower-case x
        "４３０１０２１９９００３０７１２３４",  # full width
        "430102900307123",
        "H12345678",
        "M1234567801",
        "12345678",
        "1234567801(B)",
        "E12345678",
        "USA123456789012",
        "910000199001011234 外国人",
    ],
)
def test_every_documents_shape_is_found_and_masked(text: str) -> None:
    assert document_numbers_in(text)
    masked = redact_document_numbers(text)
    assert len(masked) == len(text)
    assert not document_numbers_in(masked)
    assert masked.count("*") * 2 >= sum(ch.isalnum() and not ("\u4e00" <= ch <= "\u9fff") for ch in text)


@pytest.mark.parametrize(
    "text",
    [
        "20250601",  # a date
        "考试日期 2025-06-01",
        "S000043000101202500000123",  # longer than any document: a code, not cut
        "6-31-01-03",
        "证书遗失 / lost",
        "湘人社规〔2021〕14号",
        "1234567",  # too short for any type
    ],
)
def test_dates_codes_and_prose_are_not_document_numbers(text: str) -> None:
    assert not document_numbers_in(text)
    assert redact_document_numbers(text) == text


def test_the_mask_keeps_the_ends_only() -> None:
    assert redact_document_numbers("张三430102199003071234") == "张三43**************34"


def test_invisible_characters_are_named_by_code_point_once() -> None:
    assert invisible_characters("a\u202eb\u202ec\u2066\u200f\u061c\u2028") == [
        "U+202E",
        "U+2066",
        "U+200F",
        "U+061C",
        "U+2028",
    ]
    assert invisible_characters("张三\n\t·") == []


@pytest.mark.parametrize(
    ("cell", "safe"),
    [("-1+2", "'-1+2"), ("=SUM(A1)", "'=SUM(A1)"), ("＋1", "'＋1"), (" @x", "' @x"), ("\tx", "'\tx"), ("张三", "张三")],
)
def test_spreadsheet_cells_never_start_a_formula(cell: str, safe: str) -> None:
    assert spreadsheet_safe(cell) == safe
    out = io.StringIO()
    csv.writer(out).writerow([spreadsheet_safe(cell)])
    assert not starts_like_formula(next(csv.reader(io.StringIO(out.getvalue())))[0])


def test_the_first_problem_is_reported_with_rule_text() -> None:
    assert text_violation("ok", field="reason", what=WHAT) is None
    invisible = text_violation("\u202e430102199003071234", field="reason", what=WHAT)
    assert invisible is not None
    assert (invisible.code, invisible.rule, invisible.field) == ("text.invisible", "text", "reason")
    assert "U+202E" in invisible.message_zh
    assert "U+202E" in invisible.message_en
    number = text_violation("身份证430102199003071234", field="reason", what=WHAT)
    assert number is not None
    assert number.code == "text.document_number"
    assert "4301" not in number.message_zh + number.message_en
    assert text_violation("-列表", field="reason", what=WHAT, formula_checked=False) is None
    formula = text_violation("-张三", field="name", what=("姓名", "The name"))
    assert formula is not None
    assert formula.code == "text.formula"
    assert formula.message_zh.startswith("姓名")
    assert formula.message_en.startswith("The name")
