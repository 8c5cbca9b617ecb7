"""Reading an XLSX workbook with python-calamine, and finding formula cells in its sheet XML (pure).

Why calamine (issue 12): openpyxl was 53 % of a 100,000-row XLSX upload; calamine (Rust) reads the same file
17.5× faster. Calamine hands back a formula cell's cached *value*, never the formula, so the rule that a
results sheet holds no formula (registry/tabular.py, docs/rules.md: values must be what the reviewer saw)
is checked here on the sheet XML itself: any ``<f>`` element is a formula, named by its cell. Calamine is
also lenient with a date cell (``t="d"``) whose value is no date (it hands back the text); openpyxl refused
the file, and so does :func:`bad_date` here. The zip-bomb check (:func:`registry.tabular._check_zip`) runs
before either, so the XML read here is bounded.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime
from typing import Any, Final

_FORMULA: Final = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL: Final = re.compile(rb'<(?:\w+:)?c r="([A-Z]+)([0-9]+)"')
_DATE_CELL: Final = re.compile(rb'<(?:\w+:)?c r="([A-Z]+)([0-9]+)"[^>]*?\bt="d"[^>]*>\s*<(?:\w+:)?v>([^<]*)<')


def column_letters(index: int) -> str:
    """``0`` → ``A``, ``25`` → ``Z``, ``26`` → ``AA``."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _worksheets(data: bytes) -> Iterator[bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in sorted(archive.namelist()):
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                yield archive.read(name)


def bad_date(data: bytes) -> tuple[str, int] | None:
    """``(column, row)`` of the first date cell (``t="d"``) whose value is not an ISO 8601 date, or None."""
    for xml in _worksheets(data):
        if b't="d"' not in xml:
            continue
        for cell in _DATE_CELL.finditer(xml):
            try:
                datetime.fromisoformat(cell.group(3).decode("ascii", "replace").strip())
            except ValueError:
                return cell.group(1).decode(), int(cell.group(2))
    return None


def first_formula(data: bytes) -> tuple[str, int] | None:
    """``(column, row)`` of the first formula cell of any worksheet (``("?", 0)`` when the cell names no
    reference), or ``None`` when the workbook has none."""
    for xml in _worksheets(data):
        found = _FORMULA.search(xml)
        if found is None:
            continue
        reference = xml.rfind(b'c r="', 0, found.start())  # the cell the formula sits in
        start = xml.rfind(b"<", 0, reference) if reference >= 0 else -1
        cell = _CELL.match(xml, start) if start >= 0 else None
        if cell is None:
            return "?", 0
        return cell.group(1).decode(), int(cell.group(2))
    return None


def sheets(data: bytes) -> Iterator[tuple[str, list[list[Any]]]]:
    """``(name, rows)`` of each worksheet, rows from A1 (empty leading rows and columns kept, so row numbers
    and column letters are Excel's). Raises what calamine raises for a damaged workbook."""
    from python_calamine import CalamineWorkbook  # imported here: only XLSX uploads pay for it

    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    try:
        for name in workbook.sheet_names:
            yield name, workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
    finally:
        workbook.close()
