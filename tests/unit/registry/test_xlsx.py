"""Formula cells, mistyped date cells and hidden rows found in the sheet XML; merged cells filled."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest

from registry.tabular import TableError, read_tables
from registry.xlsx import bad_date, column_letters, fill_merged, first_formula, hidden_rows, scan


def _workbook(sheet_xml: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return out.getvalue()


@pytest.mark.parametrize(
    ("xml", "expected"),
    [
        ('<c r="A1" t="s"><v>0</v></c><c r="C7"><f>SUM(A1:A2)</f><v>3</v></c>', ("C", 7)),
        ('<x:c r="AB12"><x:f t="shared" si="0"/><x:v>3</x:v></x:c>', ("AB", 12)),  # prefixed, shared
        ('<c r="A1" t="inlineStr"><is><t>=A1 as text is a formula too, found later</t></is></c>', None),
    ],
)
def test_the_first_formula_cell_is_named(xml: str, expected: tuple[str, int] | None) -> None:
    assert first_formula(_workbook(f"<sheetData><row>{xml}</row></sheetData>")) == expected


def test_a_date_cell_holding_no_date_is_found() -> None:
    good = '<c r="B2" t="d"><v>2025-06-01T00:00:00</v></c>'
    assert bad_date(_workbook(good)) is None
    assert bad_date(_workbook(good + '<c r="D9" t="d"><v>2025-13-45</v></c>')) == ("D", 9)


def test_column_letters_follow_excel() -> None:
    assert [column_letters(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]


def test_a_formula_refuses_the_whole_file_before_any_value_is_read() -> None:
    data = _workbook('<sheetData><row r="1"><c r="B1"><f>1+1</f></c></row></sheetData>')
    with pytest.raises(TableError) as caught:
        read_tables(data, "results.xlsx")
    assert (caught.value.code, caught.value.column, caught.value.row) == ("file.formula", "B", 1)


def _book(workbook_xml: str, rels_xml: str, sheets: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("xl/workbook.xml", workbook_xml)
        archive.writestr("xl/_rels/workbook.xml.rels", rels_xml)
        for path, xml in sheets.items():
            archive.writestr(path, xml)
    return out.getvalue()


def test_hidden_rows_are_found_per_sheet_by_its_name() -> None:
    """Prefixed elements, attributes in any order, relative and absolute targets, an escaped name."""
    data = _book(
        '<x:workbook xmlns:x="m" xmlns:r="r"><x:sheets><x:sheet r:id="rId2" name="成绩 &amp; 名单" sheetId="1"/>'
        '<x:sheet name="说明" sheetId="2" r:id="rId1"/></x:sheets></x:workbook>',
        '<Relationships><Relationship Id="rId1" Target="/xl/worksheets/sheet1.xml"/>'
        '<Relationship Target="worksheets/sheet2.xml" Id="rId2"/></Relationships>',
        {
            "xl/worksheets/sheet1.xml": '<sheetData><row r="1"/></sheetData>',
            "xl/worksheets/sheet2.xml": '<x:sheetData><x:row r="2" hidden="1"><x:c r="A2"/></x:row>'
            '<x:row r="3"/><x:row hidden="true" r="7"/></x:sheetData>',
        },
    )
    assert hidden_rows(data) == {"成绩 & 名单": (2, 7)}


def test_hidden_columns_are_found_per_sheet_as_ranges() -> None:
    """``<cols>`` before the cells; Excel hides "every column to the right" as one range up to XFD (16384)."""
    data = _book(
        '<workbook><sheets><sheet name="成绩" r:id="rId1"/></sheets></workbook>',
        '<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>',
        {
            "xl/worksheets/sheet1.xml": '<x:cols><x:col min="1" max="1" width="9"/><x:col hidden="1" min="2" max="3"/>'
            '<col min="6" max="16384" hidden="true"/></x:cols><sheetData><row r="1"><c r="B1"/></row></sheetData>',
        },
    )
    assert scan(data).hidden_columns == {"成绩": ((1, 2), (5, 16383))}


def test_a_cell_merged_down_a_column_is_read_on_every_row_it_spans() -> None:
    rows: list[list[Any]] = [["标题", ""], ["a", "6-31-01-03"], ["b"], ["c", ""], ["d", "x"]]
    fill_merged(rows, [((0, 0), (0, 1)), ((1, 1), (3, 1)), ((4, 1), (6, 1))])
    assert rows == [
        ["标题", ""],
        ["a", "6-31-01-03"],
        ["b", "6-31-01-03"],
        ["c", "6-31-01-03"],
        ["d", "x"],
        ["", "x"],
        ["", "x"],
    ]
