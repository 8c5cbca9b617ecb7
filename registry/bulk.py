"""Bulk inserts: PostgreSQL ``COPY`` for large row sets, batched ``INSERT`` otherwise, in the caller's transaction.

A batch of 100,000 certificates writes 100,000 event rows; ``COPY`` (asyncpg ``copy_records_to_table``) does
that several times faster than an ``executemany`` of ``INSERT``s. It runs on the very connection, and inside
the very transaction, of the caller's session, so the rows commit or roll back with everything else.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession

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
