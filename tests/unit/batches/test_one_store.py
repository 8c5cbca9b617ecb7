"""The batch store (``issuer/batches/store.py``) is the only module of the issuer with SQL on the batch tables
(issue 11: two stores over them had drifted). ``registry`` (identity links) and ``verify`` (the batch-state
gauge) sit below the issuer and cannot import it; this guard covers the issuer, where the workflow lives."""

from __future__ import annotations

import re
from pathlib import Path

import issuer

ROOT = Path(issuer.__file__).parent
STORE = ROOT / "batches" / "store.py"
# ORM statements naming a batch model, and raw SQL naming a batch table.
SQL_ON_BATCHES = re.compile(
    r"\b(select|update|insert|delete)\((Batch|BatchRow)\b"
    r"|\.(select_from|join|outerjoin)\((Batch|BatchRow)\b"
    r"|session\.(get|merge|delete)\((Batch|BatchRow)\b"
    r"|\b(FROM|UPDATE|INTO|JOIN)\s+batch(_row)?\b",
    re.IGNORECASE,
)


def sql_on_batch_tables(text: str) -> list[str]:
    return [m.group(0) for m in SQL_ON_BATCHES.finditer(text)]


def test_only_the_batch_store_has_sql_on_the_batch_tables() -> None:
    found = {
        str(path.relative_to(ROOT)): hits
        for path in sorted(ROOT.rglob("*.py"))
        if path != STORE and (hits := sql_on_batch_tables(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_the_guard_sees_each_kind_of_statement() -> None:
    assert sql_on_batch_tables("select(BatchRow.status)") == ["select(BatchRow"]
    assert sql_on_batch_tables("update(Batch).where(...)") == ["update(Batch"]
    assert sql_on_batch_tables("q.join(Batch, Batch.id == BatchRow.batch_id)") == [".join(Batch"]
    assert sql_on_batch_tables("await session.get(Batch, 1)") == ["session.get(Batch"]
    assert sql_on_batch_tables('text("UPDATE batch_row SET status = 1")') == ["UPDATE batch_row"]
    assert sql_on_batch_tables("select(BatchSummary)") == []
    assert sql_on_batch_tables(STORE.read_text(encoding="utf-8")) != []
