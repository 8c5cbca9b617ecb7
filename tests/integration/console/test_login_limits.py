"""The sign-in limiter: counts shared by every worker through Redis, per process without it."""

from __future__ import annotations

import redis.asyncio as aioredis

from issuer.console.ratelimit import LoginLimiter
from tests.integration.verify.servers import free_port


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_two_workers_share_one_count_in_redis(redis_url: str, redis_prefix: str) -> None:
    clock = Clock(1_800_000_000.0)  # the start of a minute
    one, two = aioredis.from_url(redis_url), aioredis.from_url(redis_url)
    try:
        first = LoginLimiter(one, prefix=redis_prefix, clock=clock)
        second = LoginLimiter(two, prefix=redis_prefix, clock=clock)
        assert [await first.hit("ip:10.0.0.1", 3), await second.hit("ip:10.0.0.1", 3)] == [0, 0]
        assert await first.hit("ip:10.0.0.1", 3) == 0
        assert await second.hit("ip:10.0.0.1", 3) == 60  # the fourth, from either worker, waits a minute
        assert await second.hit("ip:10.0.0.2", 3) == 0  # another address has its own count
        clock.now += 60
        assert await first.hit("ip:10.0.0.1", 3) == 0  # a new window
    finally:
        await one.aclose()
        await two.aclose()


async def test_without_redis_the_count_is_the_process_own(redis_prefix: str) -> None:
    clock = Clock(1_800_000_030.0)
    dead = aioredis.from_url(f"redis://127.0.0.1:{free_port()}", socket_connect_timeout=0.2)
    try:
        limiter = LoginLimiter(dead, prefix=redis_prefix, clock=clock)
        assert [await limiter.hit("login:inst.li", 2) for _ in range(3)] == [0, 0, 30]
    finally:
        await dead.aclose()
    local = LoginLimiter(None, prefix=redis_prefix, clock=clock)
    assert [await local.hit("login:inst.li", 1) for _ in range(2)] == [0, 30]
