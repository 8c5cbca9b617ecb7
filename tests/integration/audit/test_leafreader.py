"""A worker reading its own leaf ranges sees the audit's snapshot, nothing committed after it (issue 12;
``registry/audit/leafreader.py``). PostgreSQL only: SQLite's audit reads in its own process."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from registry.audit import leafreader
from registry.audit.leafreader import fetch_range, range_source
from registry.db import Database
from registry.events import NewEvent, append_events
from registry.models import Event
from tests.support import scratch_database

pytestmark = pytest.mark.postgres


async def _append(database: Database, count: int, tag: str) -> None:
    events = [NewEvent(kind="batch.submitted", subject=f"batch:{tag}{i}", actor="test") for i in range(count)]
    async with database.transaction() as session:
        await append_events(session, events)


async def test_a_worker_reads_in_the_audit_snapshot_not_what_was_committed_after_it(pg_url: str) -> None:
    async with scratch_database(pg_url) as database:
        await _append(database, 3, "before")
        async with database.reader() as session:
            connection = await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            statement = select(Event.idx, Event.subject)
            source = await range_source(connection, statement, Event.idx, (Event.idx,), {"enable_hashjoin": "off"})
            await _append(database, 2, "after")  # committed after the snapshot was exported
            try:
                # a worker process's code, in a thread here: it runs its own event loop
                rows = await asyncio.to_thread(fetch_range, source, 0, 100)
                middle = await asyncio.to_thread(fetch_range, source, 1, 2)
            finally:
                await asyncio.to_thread(leafreader.close)
        async with database.reader() as session:
            now = (await session.execute(select(Event.idx))).scalars().all()
    assert [(idx, subject) for idx, subject in rows] == [
        (0, "batch:before0"),
        (1, "batch:before1"),
        (2, "batch:before2"),
    ]
    assert [idx for idx, _ in middle] == [1]  # the range is half-open
    assert list(now) == [0, 1, 2, 3, 4]


def test_a_snapshot_id_that_is_not_one_is_refused_before_any_statement() -> None:
    source = leafreader.RangeSource(
        connect={}, snapshot="x'; DROP TABLE event; --", settings={}, sql="SELECT 1", names=[], values=[]
    )
    try:
        with pytest.raises(ValueError, match="not a snapshot id"):
            fetch_range(source, 0, 1)
    finally:
        leafreader.close()
