"""The audit's screening of rows that hold no valid value (registry/audit/screening.py, docs/log.md "Columns
holding no valid value"), on both ways the pass reads: chunks the reading process encodes (SQLite, one core)
and ranges a worker reads itself (PostgreSQL with workers, where the database's types make such a row
unlikely, but the code is the same)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

import registry.audit.log
from keys.keyset import KeySet
from registry.audit.certificates import ROW_COLUMNS
from registry.audit.leafreader import RangeSource
from registry.audit.log import LeafRow, check_leaf_chunk, check_leaf_range
from registry.audit.parallel import encode_chunk
from registry.audit.prints import PrintRow
from registry.events import LogEntry, encode_entry, to_micros
from registry.log.merkle import leaf_hash

AT = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
KEYSET = KeySet(keys=())


def leaf(idx: int, **changed: Any) -> tuple[Any, ...]:
    """A leaf of kind ``batch.submitted`` as the pass reads it, with ``changed`` columns."""
    data = encode_entry(LogEntry(1, "batch.submitted", f"batch:{idx}", to_micros(AT), "test", "", {}))
    columns = {"at": AT, "actor": "test", "kind": "batch.submitted", "subject": f"batch:{idx}", "reason": "",
               "data": data, "leaf_hash": leaf_hash(data), "idx": idx, **changed}  # fmt: skip
    return tuple(columns[name] for name in LeafRow.__struct_fields__)


def flat(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A leaf as a row of the pass's query: no certificate, no print."""
    return row + (None,) * (len(ROW_COLUMNS) + len(PrintRow.__struct_fields__) - 2)


def findings(result: Any) -> list[tuple[str, str, str]]:
    return [(d.kind.value, d.record, d.message.rpartition("/ ")[2]) for d in result.discrepancies]


EXPECTED = [("event.changed", "leaf 1", "leaf 1: column(s) at, kind hold no valid value (changed in the database)")]


def test_a_chunk_with_a_bad_row_is_screened_row_by_row() -> None:
    rows = [
        (leaf(0), None, None, None),
        (leaf(1, at="garbage", kind=b"\x00"), None, None, None),
        (leaf(2), None, None, None),
    ]
    result = check_leaf_chunk(KEYSET, encode_chunk(rows))
    assert findings(result) == EXPECTED  # the bad columns taken as logged: nothing else reported of the leaf
    assert [idx for idx, _ in result.hashes] == [0, 1, 2]


def test_a_range_a_worker_reads_with_a_bad_row_is_screened_row_by_row(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [flat(leaf(0)), flat(leaf(1, at="garbage", kind=b"\x00")), flat(leaf(2))]
    monkeypatch.setattr(registry.audit.log, "fetch_range", lambda source, low, high: rows)
    source = RangeSource(connect={}, snapshot="1-1", settings={}, sql="", names=[], values=[])
    result = check_leaf_range(KEYSET, source, (0, 3))
    assert findings(result) == EXPECTED
    assert [idx for idx, _ in result.hashes] == [0, 1, 2]


def test_a_leaf_whose_bytes_are_text_is_taken_as_no_bytes() -> None:
    rows = [(leaf(0, data="garbage"), None, None, None)]
    result = check_leaf_chunk(KEYSET, encode_chunk(rows))
    assert [message for _, _, message in findings(result)] == [
        "leaf 0: column(s) data hold no valid value (changed in the database)",
        "leaf 0: bytes do not match its hash",
        "leaf 0 does not decode as an event",
    ]
    assert result.hashes == [(0, leaf_hash(b""))]
