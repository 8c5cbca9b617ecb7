"""The Redis level against a real Redis: compare-and-set refuses a fill that raced an invalidation, and
the invalidation contract deletes, bumps and publishes in one go."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from tests.support import certificate_view
from verify.cache.invalidation import channel, invalidate_numbers, version_key, view_key
from verify.cache.redis_views import RedisGate, RedisViews
from verify.views import NEGATIVE, decode_view, encode_view

pytestmark = pytest.mark.redis

VIEW = certificate_view()


@pytest.fixture
async def client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    redis = aioredis.Redis.from_url(redis_url)
    yield redis
    await redis.aclose()


def views(client: aioredis.Redis, prefix: str) -> RedisViews:
    return RedisViews(client, prefix=prefix, ttl=60, negative_ttl=3, timeout=1.0, gate=RedisGate())


async def test_a_fill_that_raced_an_invalidation_is_not_stored(client: aioredis.Redis, redis_prefix: str) -> None:
    level = views(client, redis_prefix)
    number = VIEW.number
    before = await level.read([number])
    assert before is not None
    assert before[number].value is None
    # the fill read the database here ("valid"); meanwhile the issuer revoked and announced it:
    assert await invalidate_numbers(client, redis_prefix, [number])
    await level.write([(number, encode_view(VIEW), before[number].version, False)])
    assert await client.get(view_key(redis_prefix, number)) is None, "the stale fill was refused"
    fresh = await level.read([number])
    assert fresh is not None
    await level.write([(number, encode_view(VIEW), fresh[number].version, False)])
    stored = await level.read([number])
    assert stored is not None
    assert decode_view(stored[number].value or b"") == VIEW
    assert 50 < await client.ttl(view_key(redis_prefix, number)) <= 60


async def test_not_found_is_stored_with_the_short_ttl(client: aioredis.Redis, redis_prefix: str) -> None:
    level = views(client, redis_prefix)
    await level.write([("S000043000101263999999", NEGATIVE, b"", True)])
    assert await client.get(view_key(redis_prefix, "S000043000101263999999")) == NEGATIVE
    assert 0 < await client.ttl(view_key(redis_prefix, "S000043000101263999999")) <= 3


async def test_invalidation_deletes_bumps_and_publishes(client: aioredis.Redis, redis_prefix: str) -> None:
    pubsub = client.pubsub()
    await pubsub.subscribe(channel(redis_prefix))
    await pubsub.get_message(timeout=1)
    await client.set(view_key(redis_prefix, "A1"), b"x")
    assert await invalidate_numbers(client, redis_prefix, ["A1", "B2"])
    message = None
    for _ in range(20):
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.1)
        if message:
            break
    assert message is not None
    assert message["data"] == b"A1\nB2"
    assert await client.get(view_key(redis_prefix, "A1")) is None
    assert await client.get(version_key(redis_prefix, "B2")) == b"1"
    assert await client.ttl(version_key(redis_prefix, "B2")) > 3600
    await pubsub.aclose()


async def test_a_dead_redis_is_skipped_after_one_timeout() -> None:
    dead = aioredis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    gate = RedisGate(base=0.5)
    level = RedisViews(dead, prefix="p", ttl=60, negative_ttl=3, timeout=0.2, gate=gate)
    assert await level.read(["A1"]) is None
    assert gate.open
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await level.read(["A1"]) is None
    assert loop.time() - started < 0.01, "while the gate is open nobody even tries"
    await dead.aclose()
