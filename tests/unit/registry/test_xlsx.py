"""Formula cells and mistyped date cells found in the sheet XML, since calamine reads only values."""

from __future__ import annotations

import io
import zipfile

import pytest

from registry.tabular import TableError, read_tables
from registry.xlsx import bad_date, column_letters, first_formula


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
