"""Turning a reference-data file (CSV, XLSX or JSON) into named tables.

Reference files are small and loaded by an operator, so they are read strictly: a CSV with a stray or
unterminated quote (which the lenient reader turns into one long cell, silently swallowing the rows after
it) is refused with its line, and a JSON document nested too deep to decode is refused, not a traceback.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import msgspec

from registry.errors import LoadError
from registry.refdata.tables import TableSpec, spec_for
from registry.tabular import Row, Table, TableError, csv_delimiter, decode_text, read_tables


def tables_of(data: bytes, filename: str, *, table: str | None = None) -> list[tuple[TableSpec, Table]]:
    """Every table of the file with its spec; raises :class:`LoadError` for an unreadable file.

    ``table`` names the table of a CSV (whose header is otherwise matched against every table's columns).
    """
    try:
        found = _json_tables(data) if filename.lower().endswith(".json") else read_tables(data, filename)
        if len(found) == 1 and not found[0].name:  # a CSV (sheets and JSON lists have names)
            _check_csv_quoting(decode_text(data), filename)
    except TableError as exc:
        raise LoadError(f"{filename}: {exc}") from None
    return [(spec_for(t, None if t.name else table), t) for t in found]


def _check_csv_quoting(text: str, filename: str) -> None:
    """Refuse a CSV whose quoting is malformed, naming the line where the bad record starts.

    The shared reader (:mod:`registry.tabular`) is lenient; this reads the same text with ``strict=True``
    and the same delimiter rule (:func:`registry.tabular.csv_delimiter`).
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=csv_delimiter(io.StringIO(text)), strict=True)
    start = 1
    try:
        for _ in reader:
            start = reader.line_num + 1
    except csv.Error as exc:
        raise LoadError(
            f"{filename}: 第 {start} 行 CSV 格式错误（引号未闭合或位置不对），未载入任何数据 / line {start}: "
            f"malformed CSV ({exc}: an unterminated or misplaced quote); nothing loaded"
        ) from None


def _json_tables(data: bytes) -> list[Table]:
    try:
        document = msgspec.json.decode(data)
    except msgspec.DecodeError as exc:
        raise LoadError(f"JSON 格式错误 / malformed JSON: {exc}") from None
    except RecursionError:
        raise LoadError("JSON 嵌套过深 / malformed JSON: nested too deeply") from None
    if not isinstance(document, dict) or not all(isinstance(v, list) for v in document.values()):
        raise LoadError('JSON 应为 {"表名": [记录, …]} / JSON must be an object of table name → list of records')
    tables = []
    for name, records in document.items():
        if not all(isinstance(r, dict) for r in records):
            raise LoadError(f"{name}: 每条记录应为对象 / every record must be an object")
        header = tuple(dict.fromkeys(key for record in records for key in record))
        rows = tuple(
            Row(number, tuple(_json_cell(record.get(key)) for key in header))
            for number, record in enumerate(records, start=1)
        )
        tables.append(Table(str(name), header, rows))
    return tables


def _json_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return str(value).strip()
