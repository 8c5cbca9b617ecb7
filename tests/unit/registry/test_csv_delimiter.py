"""The CSV reader's choice between comma and tab, when a title line stands above the header (Excel's
"Unicode text" export of a sheet whose first row is a title, or a title typed above a tab-separated header)."""

from __future__ import annotations

import pytest

from registry.tabular import read_tables

HEADER = ("姓名", "身份证号", "职业编码", "等级")
ROW = ("张三", "430102199003070017", "6-31-01-03", "4")


def _lines(delimiter: str, *lines: tuple[str, ...]) -> bytes:
    return "\n".join(delimiter.join(cells) for cells in lines).encode()


@pytest.mark.parametrize("delimiter", ["\t", ","])
def test_a_title_line_without_separators_does_not_choose_the_delimiter(delimiter: str) -> None:
    data = b"2026\xe5\xb9\xb4\xe7\xac\xac\xe4\xb8\x80\xe6\x89\xb9\n" + _lines(delimiter, HEADER, ROW)
    (table,) = read_tables(data, "results.csv")
    assert table.rows[0].cells == HEADER
    assert table.rows[1].cells == ROW


def test_a_title_padded_with_tabs_is_a_tab_file() -> None:
    data = _lines("\t", ("2026年第一批成绩", "", "", ""), HEADER, ROW)
    (table,) = read_tables(data, "results.txt")
    assert table.rows[-1].cells == ROW


def test_a_comma_in_a_cell_of_a_tab_file_is_text() -> None:
    """The first line with a separator decides; a comma inside a later tab-separated cell stays in it."""
    data = _lines("\t", HEADER, ("张三,李四", *ROW[1:]))
    (table,) = read_tables(data, "results.txt")
    assert table.rows[-1].cells[0] == "张三,李四"
