"""A person's answer is cached like a certificate's (issue 14): in process and in Redis, one load however
many ask at once, and replaced within a second of any change to any of the person's certificates (issued,
revoked, reissued, replaced), with real Redis and two workers; and a fill that read the database before a
revocation is never served after it, even when Redis lost the version key that should have refused it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import pytest
import redis.asyncio as aioredis

from registry.certificates import revoke, superseded_event
from registry.events import EventKind, append_events
from registry.holders import id_digest
from registry.rules.profiles import get_profile
from tests.factories import HOLDER_IDS, TestCertificate, issue_test_certificates
from tests.integration.verify.cache.test_cache import counter
from tests.integration.verify.person.helpers import OPEN, person_json
from tests.integration.verify.world import World, cache_on, verify_client
from tests.support import ID_HASH_KEY
from verify.cache.feed import ChangeFeed
from verify.cache.lru import ResponseCache
from verify.cache.redis_views import RedisGate
from verify.cache.viewstore import ViewStore
from verify.keysets import KeySetCache
from verify.metrics import Metrics
from verify.person import cache as person_cache
from verify.person.cache import PersonStore, person_key, person_version_key
from verify.person.lookup import PersonQuery, parse_person, person_tag

pytestmark = pytest.mark.redis
REDIS_STALE = 'certreg_verify_cache_total{level="redis",outcome="stale"}'


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
    # a loaded machine's slow Redis reply is not Redis being down (the second worker then loaded from the database)
    settings = OPEN | {"redis_url": redis_url, "redis_prefix": redis_prefix, "redis_timeout_seconds": 2.0}
    async with (
        verify_client(world.database.url, **settings) as one,
        verify_client(world.database.url, **settings) as two,
    ):  # asserted after: a failure inside two live clients would hang their shutdown
        await cache_on(one.app)
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
    failure: AssertionError | None = None  # raised after the clients close (inside, their shutdown hangs)
    async with (
        verify_client(world.database.url, **settings) as one,
        verify_client(world.database.url, **settings) as two,
    ):
        try:
            for app in (one.app, two.app):
                await cache_on(app)
            clients = (one, two)

            async def everywhere(name: str, number: str, test: Callable[[Any], bool]) -> bool:
                return all([test(await person_json(c, name, number)) for c in clients])

            for client in clients:  # cached everywhere: "nobody", then a person with one valid certificate
                assert (await person_json(client, "赵六", HOLDER_IDS[3]))["result"] == "not_found"
                assert (await person_json(client, "张三", HOLDER_IDS[0]))["certificates"][0]["result"] == "valid"

            async def supersede(number: str, kind: EventKind, reason: str) -> TestCertificate:
                """Issue 赵六 a certificate in place of ``number`` and record why (a replacement or a reissue)."""
                (new,) = await issue_test_certificates(
                    world.database, world.store, [("赵六", HOLDER_IDS[3])], supersedes=number
                )
                async with world.database.transaction() as session:
                    await append_events(
                        session, [superseded_event(number, new.number, kind=kind, reason=reason, actor="t")]
                    )
                return new

            (issued,) = await issue_test_certificates(world.database, world.store, [("赵六", HOLDER_IDS[3])])
            await until(lambda: everywhere("赵六", HOLDER_IDS[3], lambda a: a["count"] == 1), "an issue")
            async with world.database.transaction() as session:
                await revoke(session, world.valid.number, reason="测试撤销", actor="test")
            await until(
                lambda: everywhere("张三", HOLDER_IDS[0], lambda a: a["certificates"][0]["result"] == "revoked"),
                "a revocation",
            )
            successor = await supersede(issued.number, EventKind.CERTIFICATE_REPLACED, "换发")

            def replaced(answer: Any) -> bool:
                labels = {c["number"]: c["verdict_label"] for c in answer["certificates"]}
                return labels == {issued.number: "已换发 / Replaced", successor.number: "有效 / Valid"}

            await until(lambda: everywhere("赵六", HOLDER_IDS[3], replaced), "a replacement")
            duplicate = await supersede(successor.number, EventKind.CERTIFICATE_REISSUED, "遗失补发")

            def reissued(answer: Any) -> bool:
                labels = {c["number"]: c["verdict_label"] for c in answer["certificates"]}
                return bool(
                    labels[successor.number] == "已补发 / Reissued" and labels[duplicate.number] == "有效 / Valid"
                )

            await until(lambda: everywhere("赵六", HOLDER_IDS[3], reissued), "a reissue")
        except AssertionError as exc:
            failure = exc
    if failure is not None:
        raise failure


async def test_without_redis_the_person_cache_is_in_process(world: World, loads: list[bytes]) -> None:
    async with verify_client(world.database.url, **OPEN) as client:
        for _ in range(3):
            assert (await person_json(client, "张三", HOLDER_IDS[0]))["count"] == 1
            assert (await person_json(client, "李四", HOLDER_IDS[0]))["result"] == "not_found"
        assert len(loads) == 2, "one load per (person, name), then hits"


async def test_a_fill_that_read_before_a_revocation_is_not_served_after_it(
    world: World, redis_url: str, redis_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fill reads the person (valid); the certificate is revoked and the change feed drops the person;
    Redis loses the version key (a restart, an eviction); then the fill writes its answer back. The
    compare-and-set cannot refuse it any more, the revision stamp does: neither this worker nor one started
    later serves it. (On the worker's own objects: the test client runs the app on a thread of its own, so
    a request cannot be held half-way from the test.)"""
    query = parse_person(
        get_profile("hunan"), ID_HASH_KEY.encode(), "张三", "resident_id", HOLDER_IDS[0], today=date.today()
    )
    assert isinstance(query, PersonQuery)
    read, release = asyncio.Event(), asyncio.Event()
    real = PersonStore._write_redis

    async def late_first_write(store: PersonStore, items: Any) -> None:
        if not read.is_set():  # the database was read: hold the write-back until after the revocation
            read.set()
            await release.wait()
        await real(store, items)

    monkeypatch.setattr(PersonStore, "_write_redis", late_first_write)
    client = aioredis.Redis.from_url(redis_url)
    try:
        first, feed = await _worker(world, client, redis_prefix)
        early = asyncio.create_task(first.get(query))
        await asyncio.wait_for(read.wait(), 5)
        async with world.database.transaction() as session:
            await revoke(session, world.valid.number, reason="测试撤销", actor="test")
        await feed.poll()  # the feed maps the revoked number to the person and drops them
        await client.delete(person_version_key(redis_prefix, query.tag))  # Redis forgets the guard
        release.set()
        answers = [(await early)[0][0].status]
        late_fill = await client.get(person_key(redis_prefix, query.tag))
        assert late_fill is not None, "the late fill was stored"
        answers.append((await first.get(query))[0][0].status)
        await client.set(person_key(redis_prefix, query.tag), late_fill)  # as from a restored snapshot
        later, _ = await _worker(world, client, redis_prefix)
        answers.append((await later.get(query))[0][0].status)
    finally:
        await client.aclose()
    assert [str(a) for a in answers] == ["valid", "revoked", "revoked"], "only the look-up begun first is old"
    assert first.metrics is not None
    assert counter(first.metrics.render().decode(), REDIS_STALE) >= 1, "the late fill was refused as stale"
    assert later.metrics is not None
    assert counter(later.metrics.render().decode(), REDIS_STALE) >= 1, "a later worker refused it too"


async def _worker(world: World, redis: aioredis.Redis, prefix: str) -> tuple[PersonStore, ChangeFeed]:
    """One worker's person store and change feed, wired as :mod:`verify.person.wiring` does."""
    metrics, cache = Metrics(), ResponseCache[Any](max_entries=100, max_bytes=1_000_000)
    views = ViewStore(world.database, None, metrics, db_timeout=5, retry_after=5, cache=cache)
    feed = ChangeFeed(
        world.database, cache, KeySetCache(), None, metrics, views=views, interval=60, timeout=5, keyset_refresh=60
    )
    store = PersonStore(
        world.database, redis, cache, prefix=prefix, ttl=3600, timeout=2, gate=RedisGate(), db_timeout=5,
        retry_after=5, revisions=feed.revisions, metrics=metrics,
    )  # fmt: skip
    feed.on_changed = store.changed
    await feed.start()
    return store, feed
