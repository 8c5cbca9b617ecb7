"""The change feed only reads: it never waits for, nor takes, the database's write lock. On SQLite it used to
read through the write engine, whose ``BEGIN IMMEDIATE`` took the write lock for every poll; a poll cut short
(its timeout, a worker stopping) then kept that lock until the connection was garbage-collected, and issuing
waited 30 s and failed with "database is locked" (registry/db.py, ``Database.primary_engine``)."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from registry.certificates import revoke
from tests.integration.verify.cache.feeds import started_feed
from tests.integration.verify.world import World


async def test_the_feed_polls_while_a_writer_holds_the_lock(world: World) -> None:
    feed = await started_feed(world)
    async with world.database.transaction() as session:
        await session.execute(text("UPDATE log_head SET size = size"))  # the write lock is this session's now
        await asyncio.wait_for(feed.poll(), 3)  # the old feed waited here for the lock, then timed out
    async with world.database.transaction() as session:
        await revoke(session, world.valid.number, reason="测试撤销", actor="test")
    before = feed.last
    await asyncio.wait_for(feed.poll(), 3)
    assert feed.last > before  # and it sees what committed


async def test_a_write_commits_while_a_read_of_the_primary_is_open(world: World) -> None:
    async with world.database.primary_engine.connect() as conn:
        await conn.execute(text("SELECT size FROM log_head"))  # a read transaction of the feed's kind, left open
        async with asyncio.timeout(3), world.database.transaction() as session:
            await revoke(session, world.valid.number, reason="测试撤销", actor="test")


async def test_a_stopped_feed_returns_after_its_poll_instead_of_being_cancelled(world: World) -> None:
    """What the verify runtime's close() relies on: stop() ends run() between polls, so no poll is cut short
    inside its connection (the runtime cancels only a feed that has not returned within 5 s)."""
    feed = await started_feed(world)
    feed.interval = 0.01
    task = asyncio.create_task(feed.run())
    await asyncio.sleep(0.1)  # several polls done
    feed.stop()
    await asyncio.wait_for(task, 3)
    assert not task.cancelled()
    assert task.exception() is None
