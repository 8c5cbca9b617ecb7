"""Redis Sentinel under load: the master is killed while a verify server answers and a certificate is
revoked; sentinels promote the replica; no answer is a 5xx, no revoked certificate is shown valid, and the
server finds the new master by itself (caching and invalidation resume)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from registry.config import parse_sentinel_url
from tests.integration.prod.failover import assert_the_revocation_held, revoke_during_outage
from tests.integration.prod.sentinel import SentinelGroup, sentinel_url
from tests.integration.verify.servers import Server, wait_for
from tests.integration.verify.world import World

pytestmark = [pytest.mark.slow, pytest.mark.redis]


@pytest.fixture
def sentinels(tmp_path: Path) -> Iterator[SentinelGroup]:
    with SentinelGroup(tmp_path) as group:
        yield group.start()


def test_sentinel_urls() -> None:
    parsed = parse_sentinel_url("redis+sentinel://u:p%40ss@10.0.0.1:26379,[::1]:26380/mymaster/3?sentinel_password=s")
    assert parsed.sentinels == [("10.0.0.1", 26379), ("::1", 26380)]
    assert (parsed.service, parsed.db, parsed.username, parsed.password) == ("mymaster", 3, "u", "p@ss")
    assert parsed.sentinel_password == "s"
    ports = (20001, 20002, 20003)
    assert parse_sentinel_url(sentinel_url(ports)).sentinels == [("127.0.0.1", p) for p in ports]


async def test_master_failover_under_load(file_world: World, sentinels: SentinelGroup) -> None:
    world = file_world
    settings = {
        "database_url": world.database.url,
        "redis_url": sentinels.url,
        "redis_prefix": "sentinel-test",
        "public_rate_per_minute": 10_000_000,
        "log_level": "WARNING",
    }
    with Server(**settings) as server:
        wait_for("the subscriber", lambda: server.metric("certreg_verify_cache_active") == 1.0, timeout=20)
        outage = await revoke_during_outage(
            server,
            world,
            kill=lambda: sentinels.kill(sentinels.master),
            asked=[(world.valid.number, "张三")] * 4 + [(world.revoked.number, "李四")] * 2,
            redis_url=sentinels.url,
            prefix="sentinel-test",
            recovered=lambda: (
                sentinels.master_port() == sentinels.replica
                and server.metric("certreg_verify_redis_available") == 1.0
                and server.metric("certreg_verify_cache_active") == 1.0
            ),
            redis_timeout=1.0,
        )
        assert sentinels.master_port() == sentinels.replica, "the sentinels promoted the replica"
        wait_for("Redis back in use", lambda: server.metric("certreg_verify_redis_available") == 1.0, timeout=20)
        wait_for("the subscriber back", lambda: server.metric("certreg_verify_cache_active") == 1.0, timeout=20)
        async with httpx.AsyncClient(timeout=10) as client:
            for _ in range(3):
                after = await client.post(
                    f"{server.url}/v1/verify", json={"number": world.valid.number, "name": "张三"}
                )
                assert after.json()["result"] == "revoked"
    # While Redis is between masters the announcement may be lost: the change feed then carries the revocation.
    assert_the_revocation_held(outage, world)
