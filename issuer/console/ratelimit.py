"""Sign-in rate limits: attempts per minute per client address and per login name.

Counted in Redis (one ``INCR`` + ``EXPIRE`` per attempt: sign-ins are rare, so no batching is needed) so
every worker shares the count; without Redis, or while it fails, the count is this process's own (the same
fallback as the public limits of :mod:`verify.ratelimit`). Separate from the lockout, which is in the
database and survives restarts (:mod:`issuer.console.accounts`).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Final

from verify.cache.connect import RedisClient
from verify.cache.redis_views import REDIS_ERRORS

logger = logging.getLogger("certreg.console.ratelimit")

WINDOW_SECONDS: Final = 60
_MAX_LOCAL: Final = 50_000


class LoginLimiter:
    """Fixed one-minute windows; :meth:`hit` counts one attempt and says how long to wait when over."""

    def __init__(self, redis: RedisClient | None, *, prefix: str, clock: Callable[[], float] = time.time) -> None:
        self.redis = redis
        self.prefix = prefix
        self.clock = clock
        self._local: dict[str, int] = {}
        self._local_window = -1

    async def hit(self, key: str, limit: int) -> int:
        """Count an attempt of ``key``; 0 when allowed, else the seconds until the window ends."""
        now = self.clock()
        window = int(now // WINDOW_SECONDS)
        count = await self._count(key, window)
        if count <= limit:
            return 0
        return max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))

    async def _count(self, key: str, window: int) -> int:
        if self.redis is not None:
            name = f"{self.prefix}:console:rl:{key}:{window}"
            try:
                async with self.redis.pipeline(transaction=False) as pipe:
                    pipe.incr(name)
                    pipe.expire(name, WINDOW_SECONDS * 2)
                    total, _ = await pipe.execute()
                return int(total)
            except REDIS_ERRORS as exc:
                logger.warning("Redis unavailable for the sign-in limit, counting in process: %s", type(exc).__name__)
        if window != self._local_window or len(self._local) > _MAX_LOCAL:
            self._local = {}
            self._local_window = window
        self._local[key] = self._local.get(key, 0) + 1
        return self._local[key]
