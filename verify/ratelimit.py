"""Rate limits: fixed one-minute windows per client IP (public routes) or per API key (employer routes).

The check is on every request, before the cache, so it must cost no more than a cache hit: it is a dict
update in process. Counts reach Redis in the background: every ``rate_sync_seconds`` one pipeline
``INCRBY``/``EXPIRE``s the counter of every client seen since the last flush (one round trip for all of
them) and reads back each total across all workers and replicas. A client is refused once the last total
Redis reported plus what this worker accepted since reaches the limit.

So with Redis the limit is shared by every worker; it can be overshot by at most what the other workers
accepted from one client within one sync interval. Without Redis (not configured, or down) the same counts
simply stay local: a per-process limit, which is the fallback the service promises.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from typing import Final

from verify.cache.connect import RedisClient
from verify.cache.redis_views import REDIS_ERRORS, RedisGate

logger = logging.getLogger("certreg.verify.ratelimit")

WINDOW_SECONDS: Final = 60
#: Clients tracked per worker before the stale ones are dropped early.
MAX_TRACKED: Final = 200_000


class _Count:
    __slots__ = ("known", "pending", "window")

    def __init__(self, window: int) -> None:
        self.window = window
        self.known = 0  # the total across workers as Redis last reported it (or 0)
        self.pending = 0  # accepted here and not yet flushed to Redis


class RateLimiter:
    """Per-key counters of the current window; :meth:`hit` is the hot-path check."""

    def __init__(self, *, prefix: str, clock: Callable[[], float] = time.time) -> None:
        self.prefix = prefix
        self.clock = clock
        self._counts: dict[str, _Count] = {}
        self._dirty: set[str] = set()
        self._pruned_window = -1

    def hit(self, key: str, limit: int, cost: int = 1) -> int:
        """Count ``cost`` requests of ``key``; returns 0 when allowed, else the seconds until the window
        ends (the ``Retry-After``). A refused request is not counted."""
        now = self.clock()
        window = int(now // WINDOW_SECONDS)
        count = self._counts.get(key)
        if count is None or count.window != window:
            count = self._counts[key] = _Count(window)
        if count.known + count.pending + cost > limit:
            return max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))
        count.pending += cost
        self._dirty.add(key)
        return 0

    def over(self, key: str, limit: int) -> int:
        """Like :meth:`hit` but counts nothing: 0 when one more request of ``key`` would be allowed."""
        now = self.clock()
        window = int(now // WINDOW_SECONDS)
        count = self._counts.get(key)
        if count is None or count.window != window or count.known + count.pending + 1 <= limit:
            return 0
        return max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))

    def redis_key(self, key: str, window: int) -> str:
        return f"{self.prefix}:rl:{key}:{window}"

    @property
    def unsynced(self) -> int:
        """Requests accepted here and not yet flushed to Redis (what other workers cannot know of yet)."""
        return sum(count.pending for count in self._counts.values())

    async def sync(self, redis: RedisClient, *, seconds: float) -> bool:
        """Flush pending counts to Redis and learn the shared totals; returns whether there was anything to
        flush. Raises a Redis error when it cannot (the counts then stay pending and local)."""
        self._prune()
        keys = [k for k in self._dirty if k in self._counts]
        self._dirty.clear()
        if not keys:
            return False
        flushed = [(k, self._counts[k].window, self._counts[k].pending) for k in keys]
        try:
            async with asyncio.timeout(seconds):
                async with redis.pipeline(transaction=False) as pipe:
                    for key, window, pending in flushed:
                        pipe.incrby(self.redis_key(key, window), pending)
                        pipe.expire(self.redis_key(key, window), WINDOW_SECONDS * 2)
                    replies = await pipe.execute()
        except BaseException:
            self._dirty.update(keys)
            raise
        for (key, window, pending), total in zip(flushed, replies[::2], strict=True):
            count = self._counts.get(key)
            if count is not None and count.window == window:
                count.pending -= pending
                count.known = int(total)
        return True

    def _prune(self) -> None:
        """Forget the counts of past windows (when the window turns, or early when too many are tracked)."""
        window = int(self.clock() // WINDOW_SECONDS)
        if window != self._pruned_window or len(self._counts) > MAX_TRACKED:
            self._counts = {k: c for k, c in self._counts.items() if c.window == window}
            self._pruned_window = window


async def run_sync(
    limiter: RateLimiter, redis: RedisClient, *, interval: float, seconds: float, gate: RedisGate
) -> None:
    """Flush the limiter every ``interval`` seconds until cancelled; Redis failures only open the gate."""
    while True:
        await asyncio.sleep(interval)
        if gate.open:
            continue
        try:
            if await limiter.sync(redis, seconds=seconds):
                gate.succeeded()
        except REDIS_ERRORS as exc:
            logger.debug("rate-limit sync failed: %s", exc)
            gate.failed()
