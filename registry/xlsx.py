"""Reading an XLSX workbook with python-calamine, and finding formula cells and hidden rows in its sheet XML
(pure).

Why calamine (issue 12): openpyxl was 53 % of a 100,000-row XLSX upload; calamine (Rust) reads the same file
17.5× faster. Calamine hands back a formula cell's cached *value*, never the formula, so the rule that a
results sheet holds no formula (registry/tabular.py, docs/rules.md: values must be what the reviewer saw)
is checked here on the sheet XML itself: any ``<f>`` element is a formula, named by its cell. Calamine is
also lenient with a date cell (``t="d"``) whose value is no date (it hands back the text); openpyxl refused
the file, and so does :func:`bad_date` here. Calamine reads hidden rows and columns as any other:
:func:`scan` lists them (and :func:`sheets` names hidden sheets, :attr:`Sheet.hidden`), and cells merged
down a column are filled in (:func:`fill_merged`); error values (``#N/A``), which calamine reads as empty
cells, it lists too. :func:`scan` reads each sheet's XML once for all of them.
The zip-bomb check (:func:`registry.tabular._check_zip`) runs before, so the XML read here is bounded.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime
from typing import Any, Final, NamedTuple
from xml.sax.saxutils import unescape

_FORMULA: Final = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL: Final = re.compile(rb'<(?:\w+:)?c r="([A-Z]+)([0-9]+)"')
_SHEET: Final = re.compile(rb"<(?:\w+:)?sheet\s[^>]*>")
_RELATION: Final = re.compile(rb"<(?:\w+:)?Relationship\s[^>]*>")
_ROW: Final = re.compile(rb"<(?:\w+:)?row\s([^>]*?)/?>")
_COL: Final = re.compile(rb"<(?:\w+:)?col\s([^>]*?)/?>")
_ATTRIBUTE: Final = re.compile(rb'\b(\w+)="([^"]*)"')
_ERROR_CELL: Final = re.compile(rb'<(?:\w+:)?c r="([A-Z]+)([0-9]+)"[^>]*?\bt="e"[^>]*>\s*<(?:\w+:)?v>([^<]*)<')
#: Excel's error values as a sheet stores them (and only these are echoed: a message is logged).
_ERROR_VALUE: Final = {
    value.encode(): value
    for value in (
        "#NULL!",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#N/A",
        "#GETTING_DATA",
        "#SPILL!",
        "#CALC!",
    )
}
_DATE_CELL: Final = re.compile(rb'<(?:\w+:)?c r="([A-Z]+)([0-9]+)"[^>]*?\bt="d"[^>]*>\s*<(?:\w+:)?v>([^<]*)<')


def column_letters(index: int) -> str:
    """``0`` → ``A``, ``25`` → ``Z``, ``26`` → ``AA``."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class Scan(NamedTuple):
    """What the sheet XML says that calamine's values do not (see the module's docstring)."""

    #: ``(column, row)`` of the first formula cell (``("?", 0)`` when the cell names no reference), or None.
    formula: tuple[str, int] | None
    #: ``(column, row)`` of the first date cell (``t="d"``) whose value is not an ISO 8601 date, or None.
    bad_date: tuple[str, int] | None
    #: Sheet name → the numbers of its hidden rows (a filter, or rows hidden by hand).
    hidden: dict[str, tuple[int, ...]]
    #: Sheet name → its hidden columns as ``(first, last)`` cell indices (0 is column A), both included.
    hidden_columns: dict[str, tuple[tuple[int, int], ...]]
    #: Sheet name → its cells holding an Excel error value (``#N/A`` pasted with the values of a look-up) as
    #: ``(row, cell index, value)``: calamine reads them as empty cells.
    errors: dict[str, tuple[tuple[int, int, str], ...]]


def scan(data: bytes) -> Scan:
    """Formulas, mistyped dates and hidden rows of every worksheet, each sheet's XML decompressed once (a
    100,000-row sheet is ~20 MB of XML: each further read cost ~50 ms).

    Calamine reads hidden rows as any other, so a sheet filtered down to the candidates who passed would
    import every candidate: what the issuer saw is not what would be stored."""
    formula = date = None
    hidden: dict[str, tuple[int, ...]] = {}
    hidden_columns: dict[str, tuple[tuple[int, int], ...]] = {}
    errors: dict[str, tuple[tuple[int, int, str], ...]] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        # without a workbook to name the sheets calamine refuses the file: no hidden rows to name then
        named = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels"} <= set(names)
        sheet_of = {part: name for name, part in _sheet_parts(archive).items()} if named else {}
        for part in sorted(names):
            if not (part.startswith("xl/worksheets/") and part.endswith(".xml")):
                continue
            xml = archive.read(part)
            formula = formula or _formula_in(xml)
            date = date or _bad_date_in(xml)
            if part not in sheet_of:
                continue
            if b't="e"' in xml and (found := _errors_in(xml)):
                errors[sheet_of[part]] = found
            if b"hidden=" not in xml:
                continue
            if rows := _hidden_in(xml):
                hidden[sheet_of[part]] = tuple(rows)
            if columns := _hidden_columns_in(xml):
                hidden_columns[sheet_of[part]] = tuple(columns)
    return Scan(formula, date, hidden, hidden_columns, errors)


def _bad_date_in(xml: bytes) -> tuple[str, int] | None:
    if b't="d"' not in xml:
        return None
    for cell in _DATE_CELL.finditer(xml):
        try:
            datetime.fromisoformat(cell.group(3).decode("ascii", "replace").strip())
        except ValueError:
            return cell.group(1).decode(), int(cell.group(2))
    return None


def _errors_in(xml: bytes) -> tuple[tuple[int, int, str], ...]:
    """The error values of a sheet: ``(row, cell index, value)``."""
    return tuple(
        (int(row), column_index(column.decode()), _ERROR_VALUE.get(value, "#?"))
        for column, row, value in _ERROR_CELL.findall(xml)
    )


def column_index(letters: str) -> int:
    """``A`` → ``0``, ``Z`` → ``25``, ``AA`` → ``26`` (the inverse of :func:`column_letters`)."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _formula_in(xml: bytes) -> tuple[str, int] | None:
    found = _FORMULA.search(xml)
    if found is None:
        return None
    reference = xml.rfind(b'c r="', 0, found.start())  # the cell the formula sits in
    start = xml.rfind(b"<", 0, reference) if reference >= 0 else -1
    cell = _CELL.match(xml, start) if start >= 0 else None
    if cell is None:
        return "?", 0
    return cell.group(1).decode(), int(cell.group(2))


def bad_date(data: bytes) -> tuple[str, int] | None:
    """:attr:`Scan.bad_date` of the workbook."""
    return scan(data).bad_date


def first_formula(data: bytes) -> tuple[str, int] | None:
    """:attr:`Scan.formula` of the workbook."""
    return scan(data).formula


def hidden_rows(data: bytes) -> dict[str, tuple[int, ...]]:
    """:attr:`Scan.hidden` of the workbook."""
    return scan(data).hidden


def _attributes(tag: bytes) -> dict[bytes, bytes]:
    return dict(_ATTRIBUTE.findall(tag))


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its worksheet part (``xl/worksheets/sheet1.xml``), through the workbook's relationships."""
    targets = {}
    for tag in _RELATION.findall(archive.read("xl/_rels/workbook.xml.rels")):
        found = _attributes(tag)
        target = found.get(b"Target", b"").decode()
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        targets[found.get(b"Id", b"").decode()] = path
    parts = {}
    for tag in _SHEET.findall(archive.read("xl/workbook.xml")):
        found = _attributes(tag)  # r:id is read as "id", whatever its prefix
        name = unescape(found.get(b"name", b"").decode(), {"&quot;": '"', "&apos;": "'"})
        parts[name] = targets.get(found.get(b"id", b"").decode(), "")
    return parts


def _hidden_in(xml: bytes) -> list[int]:
    """Numbers of the rows marked hidden (empty ones too: a merged cell above may fill one in)."""
    hidden = []
    for row in _ROW.finditer(xml):
        found = _attributes(row.group(1))
        if found.get(b"hidden") in (b"1", b"true") and found.get(b"r", b"").isdigit():
            hidden.append(int(found[b"r"]))
    return hidden


def _hidden_columns_in(xml: bytes) -> list[tuple[int, int]]:
    """The column ranges marked hidden in the sheet's ``<cols>`` (``min``/``max`` are 1-based, A is 1)."""
    end = xml.find(b"<sheetData")  # <cols> comes before the cells; the rows need not be searched
    hidden = []
    for column in _COL.finditer(xml, 0, end if end >= 0 else len(xml)):
        found = _attributes(column.group(1))
        low, high = found.get(b"min", b""), found.get(b"max", b"")
        if found.get(b"hidden") in (b"1", b"true") and low.isdigit() and high.isdigit():
            hidden.append((int(low) - 1, int(high) - 1))
    return hidden


def fill_merged(rows: list[list[Any]], merged: list[tuple[tuple[int, int], tuple[int, int]]]) -> None:
    """A cell merged down a column (one occupation code over the rows of its candidates) shows its value on
    every row it spans, so every row reads it; a merge across columns (a title) is left as calamine gives it."""
    for (top, column), (bottom, right) in merged:
        if column != right or bottom <= top or top >= len(rows) or column >= len(rows[top]):
            continue
        value = rows[top][column]
        for number in range(top + 1, bottom + 1):
            if number >= len(rows):
                rows.append([])
            row = rows[number]
            row.extend([""] * (column + 1 - len(row)))
            if row[column] in ("", None):
                row[column] = value


class Sheet(NamedTuple):
    """One worksheet as :func:`sheets` reads it."""

    name: str
    rows: list[list[Any]]
    #: Hidden from view (right-click → Hide, or "very hidden" by a macro): no tab shows it.
    hidden: bool


def sheets(data: bytes) -> Iterator[Sheet]:
    """Each worksheet, rows from A1 (empty leading rows and columns kept, so row numbers and column letters
    are Excel's), a cell merged down a column filled in on every row it spans. Raises what calamine raises for
    a damaged workbook."""
    from python_calamine import CalamineWorkbook, SheetVisibleEnum  # imported here: only XLSX uploads pay for it

    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    try:
        hidden = {sheet.name for sheet in workbook.sheets_metadata if sheet.visible != SheetVisibleEnum.Visible}
        for name in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(name)
            rows = sheet.to_python(skip_empty_area=False)
            fill_merged(rows, sheet.merged_cell_ranges or [])
            yield Sheet(name, rows, name in hidden)
    finally:
        workbook.close()
