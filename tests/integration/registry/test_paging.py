"""Streaming in key order: the driver-level pages the audit reads give the same values as the SQLAlchemy ones."""

from __future__ import annotations

from sqlalchemy import select

from registry.db import Database
from registry.events import NewEvent, append_events
from registry.log.paging import in_chunks, value_chunks
from registry.models import Event


async def test_value_chunks_give_every_row_once_as_in_chunks_do(database: Database) -> None:
    events = [NewEvent(kind="certificate.issued", subject=f"N{i % 3}", actor="test") for i in range(7)]
    async with database.transaction() as session:
        await append_events(session, events)
    one_key = select(Event.idx, Event.at, Event.subject, Event.data)
    two_keys = select(Event.subject, Event.idx, Event.at)
    async with database.reader() as session:
        for statement, keys, at in ((one_key, [Event.idx], 1), (two_keys, [Event.subject, Event.idx], 2)):
            expected = [tuple(row) async for rows in in_chunks(session, statement, keys, 2) for row in rows]
            pages = [rows async for rows in value_chunks(session, statement, keys, 2)]
            assert [len(rows) for rows in pages] == [2, 2, 2, 1]
            assert [row for rows in pages for row in rows] == expected
            assert all(row[at].tzinfo is not None for rows in pages for row in rows)  # timezone-aware, as stored
