"""A revocation is never undone by a cache: two verify processes, a redis-server of the test's own that is
frozen (SIGSTOP) and resumed (SIGCONT) many times around revocations made by the operator's CLI, and one
that restarts from a snapshot taken before a revocation (issue 10, item 1).

Every answer of every worker is recorded. Once a worker has answered "revoked" for a certificate it must
never answer "valid" for it again: zero such answers. (Across workers a change is seen at slightly
different moments, each worker within its change feed's poll interval; a worker that has not yet heard of
the revocation is not contradicting itself.) And the operator is never held up: `certreg certificates
revoke` spends at most its announcement's budget telling Redis, however long Redis stays frozen (timed in
the CLI's own process, :data:`TIMED_MAIN`, so that a loaded machine's slow start and slow database do not
count).
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis

from tests.factories import HOLDER_IDS, TestCertificate, issue_test_certificates
from tests.integration.verify.servers import ROOT, RedisServer, Server, wait_for
from tests.integration.verify.world import World
from tests.support import ID_HASH_KEY
from verify.cache.invalidation import ANNOUNCE_SECONDS, view_key

pytestmark = [pytest.mark.slow, pytest.mark.redis]

#: The feed at its default poll (0.5 s); the subscriber declares a frozen Redis dead after 1 s (the default 3 s
#: would only make every stall, and so the test, three times as long: suite time, DEVELOPERS.md).
DEAD_AFTER = 1.0
COMMON = {"public_rate_per_minute": 1_000_000, "log_level": "WARNING", "redis_dead_after_seconds": DEAD_AFTER}
ACTIVE = "certreg_verify_cache_active"
AVAILABLE = "certreg_verify_redis_available"
STALE = 'certreg_verify_cache_total{level="redis",outcome="stale"}'
FEED = 'certreg_verify_invalidations_total{source="feed"}'
#: After the workers' caches are back on, how long the answers are still watched: one feed poll (the default
#: 0.5 s), in which the feed drops from Redis what it could not drop while Redis was frozen. Not a wait for
#: anything: the time a "valid" answer from a stale level would have to show.
WATCH_AFTER = 0.5
NAME = "赵六"
#: The longest the CLI may spend in its Redis announcement: the announcement's own budget (ANNOUNCE_SECONDS)
#: and the client's close (the same budget), and a second for a loaded machine's late timers. Blocking on the
#: frozen Redis took 7–18 s. Only the announcement is timed: the whole command took 9.2 s at load 9 (its
#: database work and its share of two cores), which said nothing about Redis.
ANNOUNCE_BUDGET = 2 * ANNOUNCE_SECONDS + 1.0
#: How long a revoke may take at all before the test calls it stuck (an announcement that blocks on a frozen
#: Redis never returns: the steps thaw Redis only after the revoke).
STUCK_SECONDS = 60


@dataclass
class Watch:
    """Every answer of every server for one number, in the order they came."""

    number: str
    answers: dict[int, list[tuple[float, str]]] = field(default_factory=dict)

    def contradictions(self) -> dict[int, int]:
        """Per server port: "valid" answers after that server first answered "revoked"."""
        found: dict[int, int] = {}
        for port, answers in self.answers.items():
            seen = False
            for _, result in answers:
                seen = seen or result == "revoked"
                if seen and result == "valid":
                    found[port] = found.get(port, 0) + 1
        return found

    def last(self, port: int) -> str:
        return self.answers[port][-1][1]


async def answered(watch: Watch, servers: tuple[Server, ...], count: int = 3, within: float = 15.0) -> None:
    """Wait until every server has given ``count`` answers about ``watch.number``."""
    deadline = time.monotonic() + within
    while any(len(watch.answers.get(s.port, [])) < count for s in servers):
        assert time.monotonic() < deadline, f"no answers within {within} s"
        await asyncio.sleep(0.05)


def fed_numbers(server: Server) -> float:
    """How many certificate numbers ``server``'s change feed has dropped from its cache (0 before the first)."""
    try:
        return server.metric(FEED)
    except AssertionError:  # no such series until the feed first applies a change
        return 0.0


async def until(what: str, check: Callable[[], bool], within: float = 15.0) -> None:
    """Wait until ``check()``; unlike ``wait_for`` this lets the pollers run meanwhile."""
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what} ({within} s)"
        await asyncio.sleep(0.05)


async def noticed(servers: tuple[Server, ...], frozen_at: float) -> None:
    """Until every worker's subscriber has declared the Redis frozen since ``frozen_at`` dead (its cache is
    off): a long stall. At least ``DEAD_AFTER``: a subscriber still reconnecting from an earlier stall is off
    already, and a stall shorter than that would not be long for a connected one."""
    await asyncio.sleep(max(0.0, frozen_at + DEAD_AFTER - time.monotonic()))
    await until("the subscribers to notice the stall", lambda: all(s.metric(ACTIVE) == 0.0 for s in servers))


async def settled(servers: tuple[Server, ...], watch: Watch) -> None:
    """Until every worker has its cache back on (its subscriber reconnected) and answers "revoked", then
    ``WATCH_AFTER`` more of answers watched."""
    await until(
        "every worker to reconnect and answer 'revoked'",
        lambda: all(s.metric(ACTIVE) == 1.0 and watch.last(s.port) == "revoked" for s in servers),
    )
    await asyncio.sleep(WATCH_AFTER)


async def poll(client: httpx.AsyncClient, server: Server, watch: Watch, stop: asyncio.Event) -> None:
    answers = watch.answers.setdefault(server.port, [])
    while not stop.is_set():
        response = await client.post(f"{server.url}/v1/verify", json={"number": watch.number, "name": NAME}, timeout=10)
        assert response.status_code == 200, response.text
        answers.append((time.monotonic(), str(response.json()["result"])))
        await asyncio.sleep(0.01)


def cli_env(world: World, redis_url: str, prefix: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CERTREG_")}
    return env | {
        "CERTREG_DATABASE_URL": world.database.url,
        "CERTREG_REDIS_URL": redis_url,
        "CERTREG_REDIS_PREFIX": prefix,
        "CERTREG_ID_HASH_KEY": ID_HASH_KEY,
        "PYTHONPATH": str(ROOT),
    }


#: The CLI's process imports it and the ``certificates`` command (the command line loads a command's modules
#: on first use: ~1-2 s of CPU, 3-5 s on a loaded machine), says so, and waits for a line before it runs the
#: command. Its Redis announcer (:func:`issuer.issuing.redis_announce.redis_announcer`, which
#: ``announcer_from_settings`` imports when it opens one) is wrapped to time what the command spends in it —
#: opening it, each announcement, closing it — and the total and the number of announcements are printed
#: on stderr when the command ends: ``announced N in S``.
TIMED_MAIN = """
import contextlib, sys, time
import click
from issuer.cli import main
from issuer.issuing import redis_announce

real, spent, calls = redis_announce.redis_announcer, [0.0], [0]

@contextlib.asynccontextmanager
async def timed(url, prefix):
    began = time.perf_counter()
    opened = real(url, prefix)
    announce = await opened.__aenter__()
    spent[0] += time.perf_counter() - began

    async def timed_announce(numbers):
        began = time.perf_counter()
        try:
            await announce(numbers)
        finally:
            spent[0] += time.perf_counter() - began
            calls[0] += 1

    try:
        yield timed_announce
    finally:
        began = time.perf_counter()
        await opened.__aexit__(None, None, None)
        spent[0] += time.perf_counter() - began

redis_announce.redis_announcer = timed
main.get_command(click.Context(main), "certificates")
print("ready", flush=True)
sys.stdin.readline()
try:
    main()
finally:
    print(f"announced {calls[0]} in {spent[0]:.6f}", file=sys.stderr, flush=True)
"""


class RevokeCli:
    """`certreg certificates revoke NUMBER` in a process of its own, started ahead of the revocation (the import
    is done while the test waits for other things); :meth:`run` answers the seconds the command spent in its
    Redis announcement, timed in that process (:data:`TIMED_MAIN`)."""

    def __init__(self, env: dict[str, str], number: str) -> None:
        self.env = env
        self.number = number
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> RevokeCli:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", TIMED_MAIN, "certificates", "revoke", self.number,
            "--reason", "冻结测试 / stall test", "--operator", "tester", env=self.env, cwd=ROOT,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        return self

    async def run(self) -> float:
        """Revoke (once the CLI is imported); returns the seconds the command spent in its one announcement."""
        if self.process is None:
            await self.start()
        assert self.process is not None
        assert self.process.stdout is not None
        ready = await asyncio.wait_for(self.process.stdout.readline(), timeout=60)
        assert ready == b"ready\n", ready
        try:
            out, err = await asyncio.wait_for(self.process.communicate(b"go\n"), timeout=STUCK_SECONDS)
        except TimeoutError:
            raise AssertionError(f"certreg certificates revoke still running after {STUCK_SECONDS} s") from None
        assert self.process.returncode == 0, (out + err).decode()
        assert b"revoked" in out
        timed = re.search(rb"^announced (\d+) in ([0-9.]+)$", err, re.MULTILINE)
        assert timed is not None, err.decode()
        assert timed.group(1) == b"1", err.decode()  # it did tell Redis (once)
        return float(timed.group(2))

    async def kill(self) -> None:
        """End a process the test did not get to run (a failure on the way)."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()  # by its own pid
            await self.process.wait()


async def more_certificates(world: World, count: int) -> list[TestCertificate]:
    holders = [(NAME, HOLDER_IDS[i % len(HOLDER_IDS)]) for i in range(count)]
    return await issue_test_certificates(world.database, world.store, holders)


Revoke = Callable[[], Coroutine[Any, Any, float]]
#: A step returns how long each revoke's announcement took, and whether Redis was frozen during it.
Step = Callable[[RedisServer, tuple[Server, ...], Revoke], Awaitable[list[tuple[float, bool]]]]


async def frozen_long(redis: RedisServer, servers: tuple[Server, ...], revoke: Revoke) -> list[tuple[float, bool]]:
    """Frozen past the subscriber's dead-after, revoked meanwhile, resumed."""
    redis.freeze()
    frozen_at = time.monotonic()
    await asyncio.sleep(0.5)
    took = await revoke()
    await noticed(servers, frozen_at)
    redis.thaw()
    return [(took, True)]


async def frozen_short_then_long(
    redis: RedisServer, servers: tuple[Server, ...], revoke: Revoke
) -> list[tuple[float, bool]]:
    """A short stall with the revocation in it, then a long one after it."""
    redis.freeze()
    took = await revoke()
    redis.thaw()
    await asyncio.sleep(0.3)
    redis.freeze()
    await noticed(servers, time.monotonic())
    redis.thaw()
    return [(took, True)]


async def revoked_then_frozen(
    redis: RedisServer, servers: tuple[Server, ...], revoke: Revoke
) -> list[tuple[float, bool]]:
    """Revoked while Redis answers, frozen right after (the feed's Redis drop stalls), resumed."""
    took = await revoke()
    redis.freeze()
    await noticed(servers, time.monotonic())
    redis.thaw()
    return [(took, False)]


async def flickering(redis: RedisServer, servers: tuple[Server, ...], revoke: Revoke) -> list[tuple[float, bool]]:
    """Many short stalls before, during and after the revocation."""
    task = asyncio.create_task(revoke())
    for _ in range(12):
        redis.freeze()
        await asyncio.sleep(0.25)
        redis.thaw()
        await asyncio.sleep(0.1)
    return [(await task, True)]


STEPS: tuple[Step, ...] = (frozen_long, frozen_short_then_long, revoked_then_frozen, flickering, frozen_long)


async def test_no_worker_says_valid_again_after_it_said_revoked_while_redis_stalls(
    file_world: World, tmp_path: Path
) -> None:
    certificates = await more_certificates(file_world, len(STEPS))
    redis = RedisServer().start()
    prefix = "stall"
    settings = COMMON | {"database_url": file_world.database.url, "redis_url": redis.url, "redis_prefix": prefix}
    env = cli_env(file_world, redis.url, prefix)
    # each step's CLI is started when the step before has revoked, the first one now
    clis = [RevokeCli(env, certificate.number) for certificate in certificates]
    await clis[0].start()
    durations: list[tuple[float, bool]] = []
    watches: list[Watch] = []
    try:
        with Server(**settings) as one, Server(**settings) as two:
            servers = (one, two)
            async with httpx.AsyncClient() as client:
                for index, (step, certificate) in enumerate(zip(STEPS, certificates, strict=True)):
                    for server in servers:
                        wait_for("the subscriber", lambda s=server: s.metric("certreg_verify_cache_active") == 1.0)
                    watch = Watch(certificate.number)
                    watches.append(watch)
                    stop = asyncio.Event()
                    pollers = [asyncio.create_task(poll(client, s, watch, stop)) for s in servers]
                    await answered(watch, servers)  # both workers answer "valid" from their caches now
                    assert all(watch.last(s.port) == "valid" for s in servers), watch.answers

                    async def revoke(index: int = index) -> float:
                        took = await clis[index].run()
                        if index + 1 < len(clis):
                            await clis[index + 1].start()
                        return took

                    durations += await step(redis, servers, revoke)
                    # the subscriber reconnects (its back-off grew to ≤ 0.4 s in a stall this short), the feed
                    # catches up (0.5 s polls)
                    await settled(servers, watch)
                    stop.set()
                    await asyncio.gather(*pollers)
                    for server in servers:
                        assert watch.last(server.port) == "revoked", f"{step.__name__}: {server.port} never saw it"
    finally:
        for cli in clis:
            await cli.kill()
        redis.kill()
    answers = sum(len(a) for w in watches for a in w.answers.values())
    contradictions = {w.number: c for w in watches if (c := w.contradictions())}
    assert answers > 1000, f"only {answers} answers polled"
    assert contradictions == {}, f"'valid' after 'revoked' (number: {{port: count}}): {contradictions}"
    assert any(stalled for _, stalled in durations)
    assert max(took for took, _ in durations) < ANNOUNCE_BUDGET, f"announcements took {durations} s (blocked?)"


async def test_a_redis_restarted_from_a_snapshot_taken_before_a_revocation_cannot_undo_it(
    file_world: World, tmp_path: Path
) -> None:
    (certificate,) = await more_certificates(file_world, 1)
    redis = RedisServer(directory=tmp_path).start()
    prefix = "snapshot"
    settings = COMMON | {"database_url": file_world.database.url, "redis_url": redis.url, "redis_prefix": prefix}
    watch = Watch(certificate.number)
    cli = await RevokeCli(cli_env(file_world, redis.url, prefix), certificate.number).start()
    try:
        with Server(**settings) as one, Server(**settings) as two:
            servers = (one, two)
            for server in servers:
                wait_for("the subscriber", lambda s=server: s.metric("certreg_verify_cache_active") == 1.0)
            async with httpx.AsyncClient() as client:
                stop = asyncio.Event()
                pollers = [asyncio.create_task(poll(client, s, watch, stop)) for s in servers]
                await answered(watch, servers)
                admin = aioredis.Redis.from_url(redis.url)
                assert await admin.exists(view_key(prefix, certificate.number)) == 1, "the view is in Redis"
                await admin.save()  # the snapshot holds the "valid" view
                await admin.aclose()
                fed = [fed_numbers(s) for s in servers]
                await cli.run()
                # every worker has seen it (pub/sub, and the feed: its event is what makes the snapshot stale)
                await until(
                    "every worker to answer 'revoked' and its feed to apply the revocation",
                    lambda: all(
                        watch.last(s.port) == "revoked" and fed_numbers(s) > before
                        for s, before in zip(servers, fed, strict=True)
                    ),
                    within=1.5,
                )
                redis.kill()
                redis.start()  # the same port, the old snapshot: the "valid" view is back in Redis
                await until(
                    "the restored view to be read (and refused) and every worker to use Redis again",
                    lambda: (
                        sum(s.metric(STALE) for s in servers) >= 1
                        and all(s.metric(ACTIVE) == 1.0 and s.metric(AVAILABLE) == 1.0 for s in servers)
                    ),
                )
                await asyncio.sleep(WATCH_AFTER)
                stop.set()
                await asyncio.gather(*pollers)
                stale = [s.metric(STALE) for s in servers]
    finally:
        await cli.kill()
        redis.kill()
    assert watch.contradictions() == {}, watch.contradictions()
    assert sum(stale) >= 1, "the restored view was read and refused as stale"
