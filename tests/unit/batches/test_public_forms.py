"""What the public and the institutions receive: masked names, the template, the problem messages."""

from __future__ import annotations

import io

import openpyxl
import pytest

from issuer.batches.columns import Field, pick_table
from issuer.batches.masking import mask_name
from issuer.batches.problems import bilingual, codes, decode_problems, encode_problems, problem
from issuer.batches.template import build_template
from registry.tabular import read_tables
from registry.vocab import CertificateKind


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三丰", "张*丰"), ("李四", "李*"), ("欧阳娜娜", "欧**娜"), ("买买提·艾力", "买****力"), ("王", "*"), ("", "")],
)
def test_names_keep_first_and_last_character(name: str, masked: str) -> None:
    assert mask_name(name) == masked
    if len(name) > 1:
        assert mask_name(name) != name


@pytest.mark.parametrize("kind", list(CertificateKind))
def test_the_template_reads_back_with_its_id_column_as_text(kind: CertificateKind) -> None:
    data = build_template(kind)
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    results, notes = workbook.worksheets
    assert results.cell(row=1, column=1).value == "姓名\nname"
    assert results.cell(row=2, column=2).number_format == "@"  # ID numbers stay text
    assert "notes" in notes.title
    # filled in, the template imports (the notes sheet is ignored)
    results.append(["张三", "430102199003071234", "HN01" if kind is CertificateKind.SPECIAL_ABILITY else "6-31-01-03"])
    out = io.BytesIO()
    workbook.save(out)
    table, columns = pick_table(read_tables(out.getvalue(), "t.xlsx"), kind)
    assert table.name == results.title
    assert columns.cell(table.rows[0].cells, Field.ID_NUMBER) == "430102199003071234"


@pytest.mark.parametrize("code", sorted(codes()))
def test_every_problem_code_has_both_languages(code: str) -> None:
    found = problem(
        code, column="列", field="name", first=2, number="N", batch=1, max=64, chars="<", value="X", date="D"
    )
    assert found.message_zh
    assert found.message_en
    assert "{" not in found.message_zh + found.message_en
    assert decode_problems(encode_problems([found])) == [found]
    assert encode_problems([]) == ""
    assert decode_problems("") == []


def test_a_report_stored_before_problems_had_a_row_gets_the_row_it_belongs_to() -> None:
    stored = '[{"column":"身份证号","field":"id_number","code":"cell.required","message_zh":"z","message_en":"e"}]'
    (old,) = decode_problems(stored, row=7)
    assert (old.row, old.column, old.rule) == (7, "身份证号", None)
    (kept,) = decode_problems(encode_problems([problem("cell.required", row=3, column="c", field="name")]), row=7)
    assert kept.row == 3


def test_issuing_texts_become_problems_with_both_languages_apart() -> None:
    found = bilingual("目录中没有X / X is not in the catalogue", field="subject_code", code="catalogue.unknown")
    assert (found.message_zh, found.message_en, found.rule) == ("目录中没有X", "X is not in the catalogue", "format")
    assert found.message == "目录中没有X / X is not in the catalogue"
    plain = bilingual("statement too long", row=4, field="statement", code="statement.field")
    assert (plain.row, plain.message_zh, plain.message_en) == (4, "statement too long", "statement too long")
