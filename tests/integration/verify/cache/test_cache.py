"""The two-level cache on one worker: hits cost no query, fills are single-flight, negatives expire,
invalidations (announced, published, or only in the event log) take effect, Redis is shared by workers."""

from __future__ import annotations

import asyncio
import re
import time

import msgspec
import pytest
import redis.asyncio as aioredis
from litestar import Litestar
from litestar.testing import AsyncTestClient

from registry.certificates import revoke
from registry.rules.numbering import format_number, parse_any
from registry.rules.profiles import HUNAN
from registry.vocab import CertificateKind
from tests.factories import HOLDER_IDS, issue_test_certificates
from tests.integration.verify.test_query import UNKNOWN
from tests.integration.verify.world import World, cache_on, runtime_of, verify_client
from tests.support import make_settings
from verify.cache.invalidation import channel, invalidate_numbers, view_key
from verify.cache.viewstore import ViewStore
from verify.metrics import Metrics
from verify.runtime import VerifyRuntime
from verify.schemas import VerifyRequest
from verify.views import CertificateView


def counter(text: str, series: str) -> float:
    match = re.search(re.escape(series) + r" ([0-9.e+]+)", text)
    assert match, series
    return float(match.group(1))


def queries(text: str) -> float:
    return counter(text, 'certreg_verify_database_total{outcome="query"}')


async def result(client: AsyncTestClient[Litestar], number: str, name: str) -> str:
    response = await client.post("/v1/verify", json={"number": number, "name": name})
    assert response.status_code == 200, response.text
    return str(response.json()["result"])


async def test_hits_cost_no_query_and_an_announced_revocation_shows_at_once(world: World) -> None:
    async with verify_client(world.database.url, change_poll_seconds=60) as client:
        for _ in range(5):
            assert await result(client, world.valid.number, "张三") == "valid"
        assert queries((await client.get("/metrics")).text) == 1
        async with world.database.transaction() as session:
            await revoke(session, world.valid.number, reason="测试撤销", actor="test")
        await invalidate_numbers(None, "unused", [world.valid.number])  # what IssuerRuntime.announce does
        assert await result(client, world.valid.number, "张三") == "revoked"


async def test_the_event_log_catches_a_revocation_nobody_announced(world: World) -> None:
    async with verify_client(world.database.url, change_poll_seconds=0.1) as client:
        assert await result(client, world.valid.number, "张三") == "valid"
        async with world.database.transaction() as session:
            await revoke(session, world.valid.number, reason="未通知的撤销", actor="test")
        started = time.monotonic()
        while await result(client, world.valid.number, "张三") == "valid":
            assert time.monotonic() - started < 1.0, "still valid one second after the revocation"
            await asyncio.sleep(0.01)


async def test_concurrent_misses_share_one_query(world: World) -> None:
    async with verify_client(world.database.url) as client:
        answers = await asyncio.gather(*(result(client, world.revoked.number, "李四") for _ in range(40)))
        assert set(answers) == {"revoked"}
        assert queries((await client.get("/metrics")).text) == 1, "one query for one number"


async def test_single_flight_and_batching_across_variants(world: World) -> None:
    metrics = Metrics()
    views = ViewStore(world.database, None, metrics, db_timeout=5, retry_after=5)
    loaded = await asyncio.gather(
        *(views.get(world.valid.number) for _ in range(30)),
        views.get_many([world.valid.number, world.superseded.number, UNKNOWN]),
    )
    assert {v.number for v, _ in loaded[:30]} == {world.valid.number}  # type: ignore[union-attr]
    batch, _ = loaded[30]
    assert isinstance(batch, dict)
    assert batch[UNKNOWN] is None
    assert batch[world.superseded.number].superseded_by == world.successor.number  # type: ignore[union-attr]
    assert queries(metrics.render().decode()) == 1, "everything asked for together is one query"
    await views.get_many([world.valid.number, world.revoked.number])
    await views.get(world.revoked.number)
    assert queries(metrics.render().decode()) == 3, "nothing is cached at this level: one query per turn"


SLOW_LOAD_SECONDS = 0.4


def slow_database_loads(runtime: VerifyRuntime) -> asyncio.Event:
    """Simulate a slow database: every load reads its rows at once, then takes ``SLOW_LOAD_SECONDS`` more to
    arrive. Returns an event set once the first load has read its rows."""
    real = runtime.views._from_database
    read = asyncio.Event()

    async def slow(numbers: list[str]) -> dict[str, CertificateView | None]:
        views = await real(numbers)
        read.set()
        await asyncio.sleep(SLOW_LOAD_SECONDS)
        return views

    runtime.views._from_database = slow  # type: ignore[method-assign]
    return read


async def ask(runtime: VerifyRuntime, route: str, world: World) -> str:
    """The verdict a client gets (the service's finished answer: what the routes send unchanged)."""
    if route == "token":
        response = await runtime.service.token("ip:test", world.valid.token, None)
    else:
        response = await runtime.service.verify("ip:test", VerifyRequest(number=world.valid.number, name="张三"), None)
    assert response.status_code == 200, response.body
    return str(msgspec.json.decode(response.body)["result"])


@pytest.mark.parametrize("route", ["number_and_name", "token"])
async def test_simulated_slow_database_load_cannot_hide_a_revocation_from_a_request_that_joins_it(
    world: World, route: str
) -> None:
    """A load that read the certificate before its revocation is still running when the change feed applies
    the revocation; a request arriving then must not join it and cache its (valid) answer for an hour.

    (The runtime runs on this test's event loop, so requests really overlap: the test client would run them
    one after another.)"""
    runtime = VerifyRuntime.build(make_settings(database_url=world.database.url, change_poll_seconds=0.05))
    await runtime.start()
    try:
        read = slow_database_loads(runtime)
        first = asyncio.create_task(ask(runtime, route, world))
        await asyncio.wait_for(read.wait(), 5)  # the first load has the valid row and is still running
        generation = runtime.cache.generation
        async with world.database.transaction() as session:
            await revoke(session, world.valid.number, reason="慢查询期间撤销", actor="test")
        revoked_at = time.monotonic()
        while runtime.cache.generation == generation:  # the feed has applied the revocation
            assert time.monotonic() - revoked_at < 2.0, "the change feed never saw the revocation"
            await asyncio.sleep(0.01)
        second = await ask(runtime, route, world)
        assert await first == "valid", "the first request's load began before the revocation"
        assert second == "revoked", "a request after the feed applied the revocation joined the old load"
        await asyncio.sleep(max(0.0, revoked_at + 1.0 - time.monotonic()))
        assert await ask(runtime, route, world) == "revoked", "one second after the revocation"
    finally:
        await runtime.close()


async def test_not_found_is_cached_like_a_view_and_dropped_on_issue(world: World) -> None:
    async with verify_client(world.database.url, change_poll_seconds=60) as client:
        for _ in range(3):
            assert await result(client, UNKNOWN, "张三") == "not_found"
        assert queries((await client.get("/metrics")).text) == 1
        await invalidate_numbers(None, "unused", [UNKNOWN])  # the issuer announces new numbers too
        await result(client, UNKNOWN, "张三")
        assert queries((await client.get("/metrics")).text) == 2
        await asyncio.sleep(5.1)  # longer than the 5 s "not found" answers were once cached for
        await result(client, UNKNOWN, "张三")
        assert queries((await client.get("/metrics")).text) == 2, "an unknown number costs what a known one does"


def next_number(world: World) -> str:
    """The number the next certificate issued like the world's will get (numbers are allocated in order)."""
    _, parts = parse_any(HUNAN, world.successor.number)
    rule = HUNAN.rule_for(CertificateKind.SKILL_LEVEL)
    return format_number(rule, msgspec.structs.replace(parts, sequence=parts.sequence + 1))


async def wait_for_verdict(client: AsyncTestClient[Litestar], number: str, name: str, since: float) -> float:
    while (verdict := await result(client, number, name)) != "valid":
        assert verdict == "not_found"
        assert time.monotonic() - since < 1.0, "a newly issued number is still not found after one second"
        await asyncio.sleep(0.02)
    return time.monotonic() - since


@pytest.mark.parametrize(
    "with_redis", [pytest.param(False, id="in-process"), pytest.param(True, id="redis", marks=pytest.mark.redis)]
)
async def test_a_number_cached_as_not_found_is_verifiable_within_a_second_of_its_issue(
    world: World, with_redis: bool, request: pytest.FixtureRequest
) -> None:
    """Nobody announces the issue (the writer could not reach Redis): the change feed alone must end the
    negative answer at both levels."""
    number = next_number(world)
    settings: dict[str, object] = {"change_poll_seconds": 0.1}
    if with_redis:
        settings |= {
            "redis_url": request.getfixturevalue("redis_url"),
            "redis_prefix": request.getfixturevalue("redis_prefix"),
        }
    async with verify_client(world.database.url, **settings) as client:
        app = client.app
        await cache_on(app)
        assert await result(client, number, "赵六") == "not_found"
        assert await result(client, number, "赵六") == "not_found"
        (issued,) = await issue_test_certificates(world.database, world.store, [("赵六", HOLDER_IDS[3])])
        assert issued.number == number
        await wait_for_verdict(client, number, "赵六", time.monotonic())


@pytest.mark.redis
async def test_redis_holds_views_for_every_worker(world: World, redis_url: str, redis_prefix: str) -> None:
    settings = {"redis_url": redis_url, "redis_prefix": redis_prefix}
    async with (
        verify_client(world.database.url, **settings) as one,
        verify_client(world.database.url, **settings) as two,
    ):
        assert await result(one, world.valid.number, "张三") == "valid"
        assert await result(two, world.valid.number, "张三") == "valid"
        assert queries((await one.get("/metrics")).text) == 1
        metrics_two = (await two.get("/metrics")).text
        assert queries(metrics_two) == 0, "the second worker read the view from Redis"
        assert counter(metrics_two, 'certreg_verify_cache_total{level="redis",outcome="hit"}') == 1
    client = aioredis.Redis.from_url(redis_url)
    try:
        assert await client.ttl(view_key(redis_prefix, world.valid.number)) > 3000
    finally:
        await client.aclose()


@pytest.mark.redis
async def test_a_published_invalidation_drops_the_in_process_answer(
    world: World, redis_url: str, redis_prefix: str
) -> None:
    publisher = aioredis.Redis.from_url(redis_url)
    async with verify_client(
        world.database.url, redis_url=redis_url, redis_prefix=redis_prefix, change_poll_seconds=60
    ) as client:
        app = client.app
        await cache_on(app, within=1.0)  # the in-process cache comes on once subscribed
        runtime = runtime_of(app)
        await result(client, world.valid.number, "张三")
        assert len(runtime.cache) == 1
        # A revocation by another process: only Redis tells this one (no in-process listener fires).
        async with world.database.transaction() as session:
            await revoke(session, world.valid.number, reason="另一进程撤销", actor="test")
        await publisher.delete(view_key(redis_prefix, world.valid.number))
        await publisher.publish(channel(redis_prefix), world.valid.number.encode())
        for _ in range(100):
            if len(runtime.cache) == 0:
                break
            await asyncio.sleep(0.01)
        assert await result(client, world.valid.number, "张三") == "revoked"
    await publisher.aclose()
