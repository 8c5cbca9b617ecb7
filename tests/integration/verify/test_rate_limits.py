"""Rate limits: shared through Redis by every worker, per process when Redis is down; 429 + Retry-After."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.verify.test_batch import make_key
from tests.integration.verify.windows import in_one_window
from tests.integration.verify.world import World, verify_client
from verify.ratelimit import WINDOW_SECONDS
from verify.runtime import STATE_KEY

DEAD_REDIS = "redis://127.0.0.1:1/0"


async def ask(client: AsyncTestClient[Litestar], world: World) -> int:
    response = await client.post("/v1/verify", json={"number": world.valid.number, "name": "张三"})
    if response.status_code == 429:
        retry = int(response.headers["retry-after"])
        assert 1 <= retry <= WINDOW_SECONDS
        body = response.json()
        assert response.headers["content-type"] == "application/problem+json"
        assert (body["status"], body["error"], body["retry_after"], body["errors"]) == (
            429, "请求过于频繁 / too many requests", retry, {"retry_after": retry},
        )  # fmt: skip
    return response.status_code


@pytest.mark.redis
async def test_two_workers_share_one_limit_through_redis(world: World, redis_url: str, redis_prefix: str) -> None:
    settings = {
        "redis_url": redis_url,
        "redis_prefix": redis_prefix,
        "public_rate_per_minute": 6,
        "rate_sync_seconds": 0.02,
    }
    async with (
        verify_client(world.database.url, **settings) as one,
        verify_client(world.database.url, **settings) as two,
    ):
        in_one_window(one.app, two.app)
        statuses = []
        for client in (one, one, one, one, two, two, two, two):
            statuses.append(await ask(client, world))
            await asyncio.sleep(0.1)  # let the worker flush its count
    assert statuses == [200] * 6 + [429] * 2, "six in all, not six per worker"
    redis = aioredis.Redis.from_url(redis_url)
    counters = [key async for key in redis.scan_iter(f"{redis_prefix}:rl:ip:*")]
    assert len(counters) == 1
    assert int(await redis.get(counters[0]) or 0) == 6
    await redis.aclose()


async def test_without_redis_each_worker_limits_alone(world: World) -> None:
    settings = {"redis_url": DEAD_REDIS, "public_rate_per_minute": 3}
    async with (
        verify_client(world.database.url, **settings) as one,
        verify_client(world.database.url, **settings) as two,
    ):
        in_one_window(one.app, two.app)
        first = [await ask(one, world) for _ in range(4)]
        second = [await ask(two, world) for _ in range(4)]
        page = await one.get(f"/Q/{world.valid.token}")
    assert first == [200, 200, 200, 429]
    assert second == [200, 200, 200, 429], "the fallback is a per-process limit"
    assert page.status_code == 429
    assert "查询过于频繁" in page.text
    assert page.headers["retry-after"]


async def test_the_empty_form_is_not_limited(world: World) -> None:
    async with verify_client(world.database.url, public_rate_per_minute=1) as client:
        statuses = [(await client.get("/")).status_code for _ in range(5)]
    assert statuses == [200] * 5


@pytest.mark.parametrize("route", ["/v1/verify", "/v1/verify/batch"])
async def test_unknown_api_keys_count_against_the_ip_and_their_look_ups_are_bounded(world: World, route: str) -> None:
    payload = {"number": world.valid.number, "name": "张三"}
    body = payload if route == "/v1/verify" else {"items": [payload]}
    async with verify_client(world.database.url, public_rate_per_minute=3) as client:
        app = client.app
        in_one_window(app)
        statuses = []
        for guess in range(9):
            response = await client.post(route, json=body, headers={"X-API-Key": f"ck_guess{guess:040d}"})
            statuses.append(response.status_code)
        refused = response
        looked_up = len(app.state[STATE_KEY].api_keys._known)
    assert statuses == [401] * 3 + [429] * 6, "the public limit of the IP applies to unknown keys"
    assert 1 <= int(refused.headers["retry-after"]) <= WINDOW_SECONDS
    assert refused.json()["error"] == "请求过于频繁 / too many requests"
    assert looked_up == 6, "over its limit, an IP gets as many look-ups again, then none"


@pytest.mark.parametrize("route", ["/v1/verify", "/v1/verify/batch"])
async def test_a_valid_api_key_is_served_when_its_ip_is_over_the_public_limit(world: World, route: str) -> None:
    """The key is checked first and its own limit governs it (issue 10, item 8)."""
    key = await make_key(world.database, rate=5)
    payload = {"number": world.valid.number, "name": "张三"}
    body = payload if route == "/v1/verify" else {"items": [payload]}
    async with verify_client(world.database.url, public_rate_per_minute=3) as client:
        in_one_window(client.app)
        public = [(await client.post("/v1/verify", json=payload)).status_code for _ in range(4)]
        keyed = [(await client.post(route, json=body, headers={"X-API-Key": key})).status_code for _ in range(6)]
        anonymous = await client.post("/v1/verify", json=payload)
    assert public == [200, 200, 200, 429], "the IP is over the anonymous limit"
    assert keyed == [200] * 5 + [429], "the key's own limit (5 a minute) governs it"
    assert anonymous.status_code == 429


async def test_valid_api_keys_are_not_limited_by_the_public_ip_limit(world: World) -> None:
    key = await make_key(world.database)
    async with verify_client(world.database.url, public_rate_per_minute=3) as client:
        in_one_window(client.app)
        statuses = []
        for _ in range(6):
            response = await client.post(
                "/v1/verify", json={"number": world.valid.number, "name": "张三"}, headers={"X-API-Key": key}
            )
            statuses.append(response.status_code)
    assert statuses == [200] * 6
