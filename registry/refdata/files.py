"""Turning a reference-data file (CSV, XLSX or JSON) into named tables."""

from __future__ import annotations

from typing import Any

import msgspec

from registry.errors import LoadError
from registry.refdata.tables import TableSpec, spec_for
from registry.tabular import Row, Table, TableError, read_tables


def tables_of(data: bytes, filename: str, *, table: str | None = None) -> list[tuple[TableSpec, Table]]:
    """Every table of the file with its spec; raises :class:`LoadError` for an unreadable file.

    ``table`` names the table of a CSV (whose header is otherwise matched against every table's columns).
    """
    try:
        found = _json_tables(data) if filename.lower().endswith(".json") else read_tables(data, filename)
    except TableError as exc:
        raise LoadError(f"{filename}: {exc}") from None
    return [(spec_for(t, None if t.name else table), t) for t in found]


def _json_tables(data: bytes) -> list[Table]:
    try:
        document = msgspec.json.decode(data)
    except msgspec.DecodeError as exc:
        raise LoadError(f"JSON 格式错误 / malformed JSON: {exc}") from None
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
