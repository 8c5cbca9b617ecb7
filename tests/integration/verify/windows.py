"""Rate-limit windows as tests meet them: the limits count in fixed one-minute windows (verify/ratelimit.py),
so requests a test expects to be counted together must not straddle a window's end.

An app of the test's own process gets a limiter clock on which a window begins as the test starts
(:func:`in_one_window`): its requests count in one window however long the machine makes them take. A
``certreg serve`` process keeps the wall clock; its test waits, once the server is up, until enough of the
current window is left (:func:`outside_a_window_boundary`).
"""

from __future__ import annotations

import asyncio
import time

from litestar import Litestar

from tests.integration.verify.world import runtime_of
from verify.ratelimit import WINDOW_SECONDS


async def outside_a_window_boundary(needed: float) -> None:
    """Wait for the next window when fewer than ``needed`` seconds are left of this one."""
    left = WINDOW_SECONDS - time.time() % WINDOW_SECONDS
    if left < needed:
        await asyncio.sleep(left + 0.05)


class WindowStartClock:
    """The wall clock moved ahead to the start of the next window at the moment it is made: a full window
    (a minute) passes on it before its next boundary, and it runs at the wall clock's pace (so ``Retry-After``
    and Redis's counters see real seconds)."""

    def __init__(self) -> None:
        self.shift = -time.time() % WINDOW_SECONDS

    def __call__(self) -> float:
        return time.time() + self.shift


def in_one_window(*apps: Litestar) -> None:
    """Give the rate limiter of each started app one :class:`WindowStartClock`, before the test's requests:
    they count in one window (and in one Redis counter for apps sharing Redis) for the next minute.

    Waiting for a fresh window instead (:func:`outside_a_window_boundary`) needs a guess of how long the test
    takes: on a loaded machine (the suite's four workers on two cores) an app's start and a few requests took
    longer than guessed, or the test had no guess, and a window's end between two requests reset the count.
    """
    clock = WindowStartClock()
    for app in apps:
        runtime_of(app).limiter.clock = clock


async def synced(app: Litestar, *, deadline: float = 10.0) -> None:
    """Wait until the app's limiter has flushed every count it accepted to Redis (and so learnt the shared
    totals): a fixed sleep of a few sync intervals was not enough on a loaded machine, and the workers then
    counted alone."""
    limiter = runtime_of(app).limiter
    give_up = time.monotonic() + deadline
    while limiter.unsynced:
        assert time.monotonic() < give_up, f"the limiter kept {limiter.unsynced} counts from Redis for {deadline} s"
        await asyncio.sleep(0.01)
