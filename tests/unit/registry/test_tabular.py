"""registry.tabular limits that need no database: the expanded size of an XLSX."""

from __future__ import annotations

import io

import openpyxl
import pytest

import registry.tabular
from registry.tabular import TableError, read_tables


def _workbook(rows: int) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["姓名", "身份证号", "职业编码", "等级"])
    for n in range(rows):
        sheet.append([f"学员{n}", f"43010219900307{n:04d}", "6-31-01-03", "4"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_the_expanded_size_cap_is_near_100_mb() -> None:
    assert 64 * 2**20 <= registry.tabular.MAX_XLSX_EXPANDED <= 128 * 2**20


def test_an_xlsx_expanding_past_the_cap_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _workbook(2000)  # ~150 KB of XML, compressing well below the bomb ratio
    assert len(read_tables(data, "r.xlsx")[0].rows) == 2000
    monkeypatch.setattr(registry.tabular, "MAX_XLSX_EXPANDED", 100 * 1024)
    with pytest.raises(TableError) as caught:
        read_tables(data, "r.xlsx")
    assert caught.value.code == "file.zip_bomb"
    assert "past 0.0976562 MB" in str(caught.value)  # the limit is named


@pytest.mark.parametrize("name", ["成绩.pdf", "成绩.csv", "成绩.xlsx"])
def test_a_pdf_is_named_as_such_whatever_the_file_is_called(name: str) -> None:
    scanned = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"  # a scan of the results sheet
    with pytest.raises(TableError) as refused:
        read_tables(scanned, name)
    assert refused.value.code == "file.pdf"
    assert str(refused.value).startswith("这是 PDF 文件，不是成绩表")
