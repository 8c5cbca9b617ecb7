"""Bulk inserts: PostgreSQL ``COPY`` for large row sets, batched ``INSERT`` otherwise, in the caller's transaction.

A batch of 100,000 certificates writes 100,000 event rows; ``COPY`` (asyncpg ``copy_records_to_table``) does
that several times faster than an ``executemany`` of ``INSERT``s. It runs on the very connection, and inside
the very transaction, of the caller's session, so the rows commit or roll back with everything else.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from registry.models import Base

#: Below this many rows a plain INSERT is as fast and needs no raw connection.
COPY_THRESHOLD: Final = 500
_INSERT_CHUNK: Final = 5000


async def insert_records(
    session: AsyncSession, model: type[Base], columns: Sequence[str], records: Sequence[Sequence[Any]]
) -> None:
    """Insert ``records`` (sequences in ``columns`` order) into the table of ``model`` in the session's transaction.

    Raises what the driver raises (an ``IntegrityError`` on a duplicate key, for instance), which aborts the
    caller's transaction like any failed statement.
    """
    if not records:
        return
    if session.get_bind().dialect.name == "postgresql" and len(records) >= COPY_THRESHOLD:
        # the asyncpg adapter opens its transaction lazily, on the first statement: make sure it is open,
        # so that COPY runs inside it rather than in a transaction of its own
        await session.execute(text("SELECT 1"))
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        await driver.copy_records_to_table(model.__tablename__, records=records, columns=list(columns))
        return
    for start in range(0, len(records), _INSERT_CHUNK):
        chunk = records[start : start + _INSERT_CHUNK]
        await session.execute(insert(model), [dict(zip(columns, record, strict=True)) for record in chunk])


#: Tables a bulk issue grows, whose look-ups (holder duplicates, statuses, pending rows) need fresh statistics.
ISSUE_TABLES: Final = ("certificate", "event", "batch_row", "certificate_print")
#: A bulk write smaller than this is left to autovacuum.
ANALYZE_MIN_ROWS: Final = 1000


async def refresh_statistics(engine: AsyncEngine, tables: Sequence[str], added: int) -> list[str]:
    """``ANALYZE`` those of ``tables`` that ``added`` new rows grew by a tenth or more (PostgreSQL only);
    returns the tables analysed.

    Why (issue 12): autovacuum analyses a table only after 10 % of it changed *and* its next nap; until then a
    table filled in one transaction keeps the statistics of its empty self, and plans cached on them (a
    generic plan of the duplicate check) scan instead of using the index. Fresh statistics also invalidate
    the plans cached on the old ones. A table that grew less than a tenth keeps statistics good enough.
    """
    if engine.dialect.name != "postgresql" or added < ANALYZE_MIN_ROWS:
        return []
    async with engine.connect() as opened:
        conn = await opened.execution_options(isolation_level="AUTOCOMMIT")
        result = await conn.execute(
            text("SELECT relname, reltuples FROM pg_class WHERE relname = ANY(:tables)"), {"tables": list(tables)}
        )
        sizes: dict[str, float] = {str(name): float(rows) for name, rows in result.all()}
        stale = [table for table in tables if added * 10 >= max(sizes.get(table, 0.0), 0.0)]
        for table in stale:
            await conn.execute(text(f"ANALYZE {table}"))
    return stale
