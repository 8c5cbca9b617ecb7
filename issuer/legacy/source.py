"""Reading a legacy file: CSV or XLSX (as uploads are read) or JSON (an array of objects), into one table."""

from __future__ import annotations

from typing import Any, Final

import msgspec

from issuer.legacy.records import Column, map_header
from registry.tabular import Row, Table, TableError, read_tables

MAX_ROWS: Final = 2_000_000
_SOURCE_CHARS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


def check_source(source: str) -> str:
    """The source system's name (a profile's free formats are declared per source): 1–64 of ``A–Z a–z 0–9 - _ .``.

    Raises :class:`TableError` ``legacy.source`` (400 at the API)."""
    if not 1 <= len(source) <= 64 or not set(source) <= _SOURCE_CHARS:
        raise TableError(
            "legacy.source",
            "来源名称应为1–64个字母、数字、-、_ 或 . / the source must be 1–64 letters, digits, '-', '_' or '.'",
        )
    return source


def _json_table(data: bytes) -> Table:
    try:
        items = msgspec.json.decode(data, type=list[dict[str, Any]])
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise TableError("file.json", f"JSON 格式错误 / the JSON is not an array of objects: {exc}") from None
    header: list[str] = []
    for item in items[:1] or [{}]:
        header.extend(item)
    for item in items:
        header.extend(key for key in item if key not in header)
    rows = tuple(
        Row(number, tuple("" if item.get(key) is None else str(item.get(key)) for key in header))
        for number, item in enumerate(items, start=1)
    )
    return Table(name="", header=tuple(header), rows=rows)


def read_legacy_table(data: bytes, file_name: str) -> tuple[Table, dict[Column, int]]:
    """The table of a legacy file and its column positions (JSON rows are numbered from 1 in array order;
    CSV/XLSX rows as the user sees them, header = 1).

    Raises :class:`TableError` for an unreadable file, one without data rows, or missing required columns.
    """
    if file_name.lower().endswith(".json"):
        tables = [_json_table(data)]
    else:
        tables = read_tables(data, file_name, max_rows=MAX_ROWS)
    best: tuple[Table, dict[Column, int]] | None = None
    missing: list[Column] = []
    for table in tables:
        index, lacking = map_header(table.header)
        if not lacking:
            best = (table, index)
            break
        if not missing or len(lacking) < len(missing):
            missing = lacking
    if best is None:
        names = ", ".join(c.value for c in missing)
        raise TableError("file.header_missing", f"缺少必需的列 / missing required columns: {names}", row=1)
    if not best[0].rows:
        raise TableError("file.no_rows", "文件没有数据行 / the file has no data rows")
    return best
