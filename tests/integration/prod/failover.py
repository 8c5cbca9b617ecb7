"""A Redis node killed under load (the Sentinel and Cluster tests): clients ask a verify server without pause
while the node dies and a certificate is revoked mid-outage; then what every answer must have been."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from typing import NamedTuple

import httpx
import redis

from registry.certificates import revoke
from tests.integration.verify.servers import Server
from tests.integration.verify.world import World
from verify.cache.connect import redis_from_url
from verify.cache.invalidation import invalidate_numbers

#: Answers per client before the node is killed: the load is on and the caches hold the answers.
WARM_ANSWERS = 5
#: The longest the server may take to be back on Redis after the revocation (the tests' former wait_for).
RECOVERY_SECONDS = 20.0
#: How soon the revocation must be seen (the change feed polls every 0.5 s): the load lasts at least that.
SEEN_WITHIN = 1.5
#: Asked on after the recovery: two feed polls with the caches back on, the chance for a stale "valid" to show.
WATCH_AFTER = 1.0


def _true(check: Callable[[], bool]) -> bool:
    """``check()``, a server not answering (yet) counting as false."""
    try:
        return check()
    except (httpx.HTTPError, OSError, redis.RedisError):
        return False


class Answer(NamedTuple):
    at: float  # time.monotonic()
    number: str
    status: int
    result: str  # "" unless a 200


class Outage(NamedTuple):
    answers: list[Answer]
    revoked_at: float


async def revoke_during_outage(
    server: Server,
    world: World,
    *,
    kill: Callable[[], None],
    asked: Sequence[tuple[str, str]],
    redis_url: str,
    prefix: str,
    recovered: Callable[[], bool],
    redis_timeout: float,
) -> Outage:
    """Ask ``server`` to verify every ``(number, name)`` of ``asked`` in a loop (one client each); once every
    client has its answers (the caches warm), ``kill`` the node; 1 s later revoke ``world.valid`` and try to
    announce it through ``redis_url`` (which may fail while Redis is down: the change feed must carry it then).
    The load goes on until ``recovered()`` (the server back on Redis as the test defines it, within
    :data:`RECOVERY_SECONDS`) and the revocation's :data:`SEEN_WITHIN` have passed, then :data:`WATCH_AFTER`
    more: the whole outage and the way back are asked through, however long they take."""
    answers: list[Answer] = []
    revoked_at: list[float] = []
    loading = asyncio.Event()
    running = [True]

    warm = [0] * len(asked)

    async def load(client: int, number: str, name: str) -> None:
        async with httpx.AsyncClient(timeout=10) as http:
            while running[0]:
                response = await http.post(f"{server.url}/v1/verify", json={"number": number, "name": name})
                result = response.json().get("result", "") if response.status_code == 200 else ""
                answers.append(Answer(time.monotonic(), number, response.status_code, result))
                warm[client] += 1
                if min(warm) >= WARM_ANSWERS:
                    loading.set()

    async def events() -> None:
        try:
            await asyncio.wait_for(loading.wait(), 15)
            await asyncio.to_thread(kill)
            await revoke_and_announce()
            deadline = time.monotonic() + RECOVERY_SECONDS
            while not await asyncio.to_thread(_true, recovered):
                assert time.monotonic() < deadline, f"not recovered within {RECOVERY_SECONDS} s of the revocation"
                await asyncio.sleep(0.1)
            await asyncio.sleep(max(0.0, revoked_at[0] + SEEN_WITHIN - time.monotonic()))
            await asyncio.sleep(WATCH_AFTER)
        finally:
            running[0] = False

    async def revoke_and_announce() -> None:
        await asyncio.sleep(1.0)  # mid-outage (a Sentinel promotes after 0.5 s down and an election)
        async with world.database.transaction() as session:
            await revoke(session, world.valid.number, reason="故障切换测试", actor="test")
        revoked_at.append(time.monotonic())
        publisher = redis_from_url(redis_url, socket_timeout=redis_timeout, socket_connect_timeout=redis_timeout)
        with contextlib.suppress(Exception):  # Redis may be down here: the change feed carries it
            await invalidate_numbers(publisher, prefix, [world.valid.number])
        with contextlib.suppress(Exception):
            await publisher.aclose()

    await asyncio.gather(*(load(i, number, name) for i, (number, name) in enumerate(asked)), events())
    return Outage(answers, revoked_at[0])


def assert_the_revocation_held(outage: Outage, world: World) -> None:
    """No 5xx; the revoked certificate never shown otherwise; ``world.valid``'s revocation seen within 1.5 s
    of its commit (the change feed polls every 0.5 s) and, once seen, never undone (the promise of issue 10,
    item 1)."""
    answers = outage.answers
    assert len(answers) > 200, f"only {len(answers)} answers under load"
    assert [a for a in answers if a.status >= 500] == [], "no 5xx while the node is down"
    assert all(a.result == "revoked" for a in answers if a.number == world.revoked.number)
    seen = [a.at for a in answers if a.number == world.valid.number and a.result == "revoked"]
    assert seen, "the revocation was never seen under load"
    took = seen[0] - outage.revoked_at
    assert took < SEEN_WITHIN, f"the revocation took {took:.2f} s to be seen"
    late_valid = [a for a in answers if a.number == world.valid.number and a.result == "valid" and a.at > seen[0]]
    assert late_valid == [], f"{len(late_valid)} answers said valid after the revocation was first seen"
