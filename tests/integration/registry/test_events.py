"""Appending events: gap-free leaf indices, canonical leaf bytes, tree nodes that give the right root."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import msgspec
import pytest
from sqlalchemy import func, select

from registry.db import Database
from registry.events import (
    NewEvent,
    append_encoded,
    append_event,
    append_events,
    decode_entry,
    encode_entry,
    encode_event,
    entry_of,
)
from registry.log.merkle import leaf_hash
from registry.log.tree import root_at
from registry.models import Event, LogHead
from tests.unit.registry.test_merkle import mth


def _event(i: int) -> NewEvent:
    return NewEvent(kind="certificate.issued", subject=f"N{i}", actor="test", details={"i": i, "h": b"\x01"})


async def test_indices_are_gap_free_and_roots_match_mth(database: Database) -> None:
    sizes = [1, 2, 5, 1, 8, 3, 13]
    for size in sizes:
        async with database.transaction() as session:
            indices = await append_events(session, [_event(i) for i in range(size)])
            assert len(indices) == size
    async with database.reader() as session:
        data = (await session.scalars(select(Event.data).order_by(Event.idx))).all()
        idx = (await session.scalars(select(Event.idx).order_by(Event.idx))).all()
        assert list(idx) == list(range(sum(sizes)))
        for n in (0, 1, 2, 3, 7, 8, 9, 16, 17, len(data)):
            assert await root_at(session, n) == mth(list(data[:n]))


async def test_rolled_back_append_leaves_no_trace(database: Database) -> None:
    with pytest.raises(RuntimeError):
        async with database.transaction() as session:
            await append_events(session, [_event(1), _event(2)])
            raise RuntimeError("the change failed")
    async with database.transaction() as session:
        assert await append_event(session, _event(3)) == 0
    async with database.reader() as session:
        assert await session.scalar(select(func.count()).select_from(Event)) == 1
        assert await session.scalar(select(LogHead.size)) == 1


async def test_concurrent_appenders_never_share_an_index(database: Database) -> None:
    async def appender() -> list[int]:
        got: list[int] = []
        for _ in range(10):
            async with database.transaction() as session:
                got.extend(await append_events(session, [_event(0), _event(1)]))
        return got

    results = await asyncio.gather(*(appender() for _ in range(4)))
    assert sorted(i for r in results for i in r) == list(range(80))
    async with database.reader() as session:
        data = (await session.scalars(select(Event.data).order_by(Event.idx))).all()
        assert await root_at(session, 80) == mth(list(data))


def test_leaf_bytes_are_canonical() -> None:
    at = datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=UTC)
    a = NewEvent(kind="k", subject="s", actor="a", details={"b": 1, "a": "x"})
    b = NewEvent(kind="k", subject="s", actor="a", details={"a": "x", "b": 1})
    assert encode_entry(entry_of(a, at)) == encode_entry(entry_of(b, at))
    entry = decode_entry(encode_entry(entry_of(a, at)))
    assert entry.at_us == 1_767_323_045_000_678
    assert leaf_hash(encode_entry(entry)) == leaf_hash(encode_entry(entry_of(b, at)))


async def test_pre_encoded_events_are_stored_as_append_events_stores_them(database: Database) -> None:
    """A legacy import's workers encode events (``encode_event``); appended with ``append_encoded`` they are the
    same rows, leaves and roots as the same events appended by ``append_events``."""
    at = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
    events = [msgspec.structs.replace(_event(i), at=at) for i in range(300)]
    async with database.transaction() as session:
        assert await append_events(session, events[:5]) == range(5)
        assert await append_encoded(session, [encode_event(e) for e in events[5:]]) == range(5, 300)
    async with database.reader() as session:
        rows = (await session.execute(select(Event.data, Event.leaf_hash, Event.at).order_by(Event.idx))).all()
        assert [r.data for r in rows] == [encode_entry(entry_of(e, at)) for e in events]
        assert all(bytes(r.leaf_hash) == leaf_hash(r.data) and r.at == at for r in rows)
        assert await root_at(session, 300) == mth([r.data for r in rows])
    with pytest.raises(ValueError, match="naive"):
        encode_event(_event(1))
