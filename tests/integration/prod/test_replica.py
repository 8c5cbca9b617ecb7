"""A verify app reading a lagging PostgreSQL streaming replica (real primary and replica started by the
test, replay paused to make the lag) shows a revocation and never turns it back to valid, even beside a
verify app on the primary that shares its Redis."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from registry.certificates import revoke
from registry.db import Database, one_off_engine
from registry.schema import upgrade
from tests.integration.prod.replica import StreamingPair
from tests.integration.verify.servers import Server, wait_for
from tests.integration.verify.world import World, build_world
from verify.cache.connect import redis_from_url
from verify.cache.invalidation import invalidate_numbers

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

#: How long the two apps are asked after the lagging one first says "revoked" (so after either did): four of
#: its change feed's polls (0.5 s) in which a refill from the lagging replica would show as "valid" again, and
#: a second past the one second the two apps may disagree. Not a wait for anything; at most ``LOAD_SECONDS``.
WATCH_AFTER = 2.0
LOAD_SECONDS = 5.0


@pytest.fixture
async def pair() -> AsyncIterator[StreamingPair]:
    servers = await asyncio.to_thread(StreamingPair)
    try:
        await asyncio.to_thread(servers.start)
        await asyncio.to_thread(servers.create_database)
        yield servers
    finally:
        await asyncio.to_thread(servers.stop)


async def _replay(url: str, paused: bool) -> None:
    async with one_off_engine(url, isolation_level="AUTOCOMMIT") as engine, engine.connect() as conn:
        await conn.execute(text(f"SELECT pg_wal_replay_{'pause' if paused else 'resume'}()"))


async def _answer(client: httpx.AsyncClient, server: Server, world: World) -> str:
    response = await client.post(f"{server.url}/v1/verify", json={"number": world.valid.number, "name": "张三"})
    assert response.status_code == 200, response.text
    return str(response.json()["result"])


def _watched_enough(seen: list[tuple[str, str, float]]) -> bool:
    """Whether the lagging app said "revoked" at least ``WATCH_AFTER`` ago."""
    said = [at for name, result, at in seen if name == "lagging" and result == "revoked"]
    return bool(said) and time.monotonic() >= said[0] + WATCH_AFTER


async def test_a_lagging_replica_never_turns_a_revocation_back_to_valid(
    pair: StreamingPair, tmp_path: Path, redis_url: str, redis_prefix: str
) -> None:
    primary_url, replica_url = pair.url(pair.primary_port), pair.url(pair.replica_port)
    async with Database(primary_url) as database:
        await upgrade(database.write_engine)
        world = await build_world(database, tmp_path / "keys")
        await asyncio.to_thread(pair.start_replica)
        common = {"redis_url": redis_url, "redis_prefix": redis_prefix, "public_rate_per_minute": 1_000_000}
        with (
            Server(database_url=primary_url, **common) as fresh,
            Server(database_url=primary_url, replica_url=replica_url, **common) as lagging,
        ):
            async with httpx.AsyncClient(timeout=10) as client:
                for server in (fresh, lagging):
                    assert await _answer(client, server, world) == "valid"
                await _replay(replica_url, paused=True)
                async with database.transaction() as session:
                    await revoke(session, world.valid.number, reason="副本测试", actor="test")
                publisher = redis_from_url(redis_url)
                await invalidate_numbers(publisher, redis_prefix, [world.valid.number])
                await publisher.aclose()
                seen: list[tuple[str, str, float]] = []
                stop = time.monotonic() + LOAD_SECONDS
                while time.monotonic() < stop and not _watched_enough(seen):  # a load balancer alternating
                    # the lagging app first: it must not refill from the replica what the other one knows
                    for name, server in (("lagging", lagging), ("fresh", fresh)):
                        seen.append((name, await _answer(client, server, world), time.monotonic()))
                    await asyncio.sleep(0.02)
                async with one_off_engine(replica_url) as replica, replica.connect() as conn:
                    on_replica = await conn.scalar(
                        text("SELECT count(*) FROM event WHERE kind = 'certificate.revoked' AND subject = :n"),
                        {"n": world.valid.number},
                    )
                wait_for(
                    "metrics", lambda: lagging.metric('certreg_verify_database_total{outcome="replica_behind"}') >= 1
                )
                await _replay(replica_url, paused=False)
    assert on_replica == 0, "the replica was still behind the revocation throughout"
    lagging_answers = [result for name, result, _ in seen if name == "lagging"]
    assert "revoked" in lagging_answers, "the app on the lagging replica learnt of the revocation"
    first = lagging_answers.index("revoked")
    assert "valid" not in lagging_answers[first:], "once revoked, never valid again"
    assert lagging_answers[:first].count("valid") <= 30, "valid only until its change feed polled (0.5 s)"
    # Across the two apps an announcement takes a moment to reach each (pub/sub, the feed's 0.5 s poll): the
    # two may disagree that long, never longer.
    first_revoked = min(at for _, result, at in seen if result == "revoked")
    late = [(name, at - first_revoked) for name, result, at in seen if result == "valid" and at > first_revoked + 1.0]
    assert late == [], f"a valid answer more than a second after another app said revoked: {late[:5]} of {len(seen)}"
