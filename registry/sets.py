"""Set look-ups by one array parameter: ``column = ANY(:values)`` on PostgreSQL, chunked ``IN`` on SQLite.

Why (issue 12): ``holder_id_digest IN ($2 … $2001)`` is a new statement shape for every chunk length, and
once PostgreSQL caches a generic plan for it (made while the table was empty) the plan scans the table: 14.6 s
per chunk at 110,000 certificates against 0.06 s fresh, so uploads grew quadratically over the registry's
life. One ``= ANY($1)`` statement has one shape whatever the set's size, one round trip, and a generic plan
that uses the index (``tests/integration/issuing/test_plans.py`` shows it with EXPLAIN). SQLite has no arrays;
there the set goes in chunks of :data:`SQLITE_CHUNK` bound values.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Final

from sqlalchemy import any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

SQLITE_CHUNK: Final = 2000

Column = ColumnElement[Any] | InstrumentedAttribute[Any]


def member_of(column: Column, values: Sequence[Any], dialect: str) -> Iterator[ColumnElement[bool]]:
    """Conditions that together select the rows whose ``column`` is in ``values``: one ``= ANY(:array)`` on
    PostgreSQL; one ``IN`` per chunk elsewhere (run one query per condition and join the results)."""
    if dialect == "postgresql":
        array = bindparam(None, list(values), type_=ARRAY(column.type))
        yield column == any_(array)
        return
    for start in range(0, len(values), SQLITE_CHUNK):
        yield column.in_(list(values[start : start + SQLITE_CHUNK]))
