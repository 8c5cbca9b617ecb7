"""A person's answer is cached like a certificate's (issue 14): in process and in Redis, one load however
many ask at once, and replaced within a second of any change to any of the person's certificates (issued,
revoked, reissued, replaced), with real Redis and two workers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import redis.asyncio as aioredis
from litestar import Litestar
from litestar.testing import AsyncTestClient

from registry.certificates import revoke, superseded_event
from registry.events import EventKind, append_events
from registry.holders import id_digest
from tests.factories import HOLDER_IDS, issue_test_certificates
from tests.integration.verify.person.helpers import OPEN, cache_on, person_json
from tests.integration.verify.world import World, verify_app
from tests.support import ID_HASH_KEY
from verify.person import cache as person_cache
from verify.person.cache import person_key
from verify.person.lookup import person_tag

pytestmark = pytest.mark.redis


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The digests the person query was run for (the real query still runs)."""
    seen: list[bytes] = []
    one, many = person_cache.fetch_person, person_cache.fetch_persons  # type: ignore[attr-defined]

    async def counted_one(conn: Any, digest: bytes) -> Any:
        seen.append(digest)
        return await one(conn, digest)

    async def counted_many(conn: Any, digests: list[bytes]) -> Any:
        seen.extend(digests)
        return await many(conn, digests)

    monkeypatch.setattr(person_cache, "fetch_person", counted_one)
    monkeypatch.setattr(person_cache, "fetch_persons", counted_many)
    return seen


def tag_of(id_number: str) -> str:
    return person_tag(id_digest(ID_HASH_KEY.encode(), id_number))


async def until(check: Callable[[], Awaitable[bool]], what: str, *, within: float = 1.0) -> float:
    began = time.monotonic()
    while not await check():
        assert time.monotonic() - began < within, f"{what} not seen within {within} s"
        await asyncio.sleep(0.02)
    return time.monotonic() - began


async def test_redis_holds_persons_for_every_worker_and_one_load_serves_many(
    world: World, redis_url: str, redis_prefix: str, loads: list[bytes]
) -> None:
    settings = OPEN | {"redis_url": redis_url, "redis_prefix": redis_prefix}
    first, second = verify_app(world.database.url, **settings), verify_app(world.database.url, **settings)
    async with AsyncTestClient(first) as one, AsyncTestClient(second) as two:  # asserted after: a failure
        await cache_on(first)  # inside two live clients would hang their shutdown
        answers = await asyncio.gather(*(person_json(one, "王五", HOLDER_IDS[2]) for _ in range(20)))
        loads_first = len(loads)
        other_worker = await person_json(two, "王五", HOLDER_IDS[2])
        wrong_name = await person_json(two, "某人", HOLDER_IDS[2])
        loads_both = len(loads)
    assert {a["count"] for a in answers} == {2}
    assert loads_first == 1, "twenty concurrent first look-ups, one query"
    assert other_worker["count"] == 2
    assert wrong_name["result"] == "not_found"
    assert loads_both == 1, "the second worker read the person from Redis"
    client = aioredis.Redis.from_url(redis_url)
    try:
        assert await client.ttl(person_key(redis_prefix, tag_of(HOLDER_IDS[2]))) > 3000
        keys = [k.decode() if isinstance(k, bytes) else k for k in await client.keys(f"{redis_prefix}:*")]
        assert not any(HOLDER_IDS[2] in k for k in keys)
    finally:
        await client.aclose()


async def test_every_change_to_a_persons_certificates_shows_within_a_second_on_every_worker(
    world: World, redis_url: str, redis_prefix: str
) -> None:
    """Nobody announces the changes (as when the writer cannot reach Redis): the change feed of each
    worker, at its default poll interval, must end both levels."""
    settings = OPEN | {"redis_url": redis_url, "redis_prefix": redis_prefix}
    apps = [verify_app(world.database.url, **settings), verify_app(world.database.url, **settings)]
    failure: AssertionError | None = None  # raised after the clients close (inside, their shutdown hangs)
    async with AsyncTestClient(apps[0]) as one, AsyncTestClient(apps[1]) as two:
        try:
            for app in apps:
                await cache_on(app)
            clients = (one, two)

            async def everywhere(name: str, number: str, test: Callable[[Any], bool]) -> bool:
                return all([test(await person_json(c, name, number)) for c in clients])

            for client in clients:  # cached everywhere: "nobody", then a person with one valid certificate
                assert (await person_json(client, "赵六", HOLDER_IDS[3]))["result"] == "not_found"
                assert (await person_json(client, "张三", HOLDER_IDS[0]))["certificates"][0]["result"] == "valid"
            (issued,) = await issue_test_certificates(world.database, world.store, [("赵六", HOLDER_IDS[3])])
            await until(lambda: everywhere("赵六", HOLDER_IDS[3], lambda a: a["count"] == 1), "an issue")
            async with world.database.transaction() as session:
                await revoke(session, world.valid.number, reason="测试撤销", actor="test")
            await until(
                lambda: everywhere("张三", HOLDER_IDS[0], lambda a: a["certificates"][0]["result"] == "revoked"),
                "a revocation",
            )
            (successor,) = await issue_test_certificates(
                world.database, world.store, [("赵六", HOLDER_IDS[3])], supersedes=issued.number
            )
            async with world.database.transaction() as session:
                await append_events(
                    session,
                    [
                        superseded_event(
                            issued.number,
                            successor.number,
                            kind=EventKind.CERTIFICATE_REPLACED,
                            reason="换发",
                            actor="t",
                        )
                    ],
                )

            def replaced(answer: Any) -> bool:
                labels = {c["number"]: c["verdict_label"] for c in answer["certificates"]}
                return labels == {issued.number: "已换发 / Replaced", successor.number: "有效 / Valid"}

            await until(lambda: everywhere("赵六", HOLDER_IDS[3], replaced), "a replacement")
        except AssertionError as exc:
            failure = exc
    if failure is not None:
        raise failure


async def test_without_redis_the_person_cache_is_in_process(world: World, loads: list[bytes]) -> None:
    app: Litestar = verify_app(world.database.url, **OPEN)
    async with AsyncTestClient(app) as client:
        for _ in range(3):
            assert (await person_json(client, "张三", HOLDER_IDS[0]))["count"] == 1
            assert (await person_json(client, "李四", HOLDER_IDS[0]))["result"] == "not_found"
        assert len(loads) == 2, "one load per (person, name), then hits"
