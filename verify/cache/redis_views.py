"""The Redis level of the cache: encoded certificate views shared by every worker of every replica.

Reads fetch views and their version keys in one ``MGET`` (one per slot on a Redis Cluster,
:mod:`verify.cache.slots`). Writes go through a Lua compare-and-set: a view
read from the database is stored only if the number's version key still holds what it held before the
read, so a fill that raced a revocation (read "valid", then the issuer deleted the view and bumped the
version, then the fill wrote back) stores nothing. One round trip either way, however many numbers.

Redis is a cache, never a source of truth: every call has a short timeout, and a failure opens a
:class:`RedisGate` so that for a short, growing back-off no request even tries (no request waits on a dead
Redis longer than one timeout); the caller then reads the database.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from typing import Final

from redis.exceptions import RedisError

from verify.cache.connect import RedisClient
from verify.cache.invalidation import VERSION_TTL_SECONDS, version_key, view_key
from verify.cache.slots import ScriptItem, mget, run_script

logger = logging.getLogger("certreg.verify.cache")

REDIS_ERRORS: Final = (RedisError, OSError, TimeoutError)

# KEYS: view, version, view, version …; ARGV: value, expected version ("" = none), ttl, value, …
_CAS_SCRIPT: Final = """
local stored = 0
for i = 1, #KEYS, 2 do
  local j = (i - 1) / 2 * 3
  local current = redis.call('GET', KEYS[i + 1]) or ''
  if current == ARGV[j + 2] then
    redis.call('SET', KEYS[i], ARGV[j + 1], 'EX', ARGV[j + 3])
    stored = stored + 1
  end
end
return stored
"""


class RedisGate:
    """A circuit breaker: after a failure, Redis is skipped for a back-off that doubles up to ``cap``."""

    def __init__(self, *, base: float = 0.1, cap: float = 2.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.base = base
        self.cap = cap
        self.clock = clock
        self._backoff = base
        self._closed_until = 0.0

    @property
    def open(self) -> bool:
        """True while requests should not try Redis."""
        return self._closed_until > self.clock()

    def failed(self) -> None:
        self._closed_until = self.clock() + self._backoff
        self._backoff = min(self.cap, self._backoff * 2)

    def succeeded(self) -> None:
        self._backoff = self.base
        self._closed_until = 0.0


class Cached:
    """What Redis holds for a number: the encoded view (``None`` when absent) and the version seen."""

    __slots__ = ("value", "version")

    def __init__(self, value: bytes | None, version: bytes) -> None:
        self.value = value
        self.version = version


def _bytes(value: bytes | str | None) -> bytes | None:
    return value.encode() if isinstance(value, str) else value


class RedisViews:
    """Get and compare-and-set encoded views; every method returns ``None``/``False`` instead of raising
    when Redis fails (and opens the gate)."""

    def __init__(
        self, redis: RedisClient, *, prefix: str, ttl: int, negative_ttl: int, timeout: float, gate: RedisGate
    ) -> None:
        self.redis = redis
        self.prefix = prefix
        self.ttl = ttl
        self.negative_ttl = negative_ttl
        self.timeout = timeout
        self.gate = gate
        self._cas = redis.register_script(_CAS_SCRIPT)

    async def read(self, numbers: Sequence[str]) -> dict[str, Cached] | None:
        """What Redis holds for each number, or ``None`` when Redis cannot be asked."""
        if self.gate.open:
            return None
        keys = [view_key(self.prefix, n) for n in numbers] + [version_key(self.prefix, n) for n in numbers]
        try:
            async with asyncio.timeout(self.timeout):
                values = await mget(self.redis, keys)
        except REDIS_ERRORS as exc:
            self._failed("read", exc)
            return None
        self.gate.succeeded()
        count = len(numbers)
        return {n: Cached(_bytes(values[i]), _bytes(values[count + i]) or b"") for i, n in enumerate(numbers)}

    async def write(self, items: Sequence[tuple[str, bytes, bytes, bool]]) -> bool:
        """Store ``(number, value, version seen before the read, negative?)`` items unless a version moved."""
        if not items or self.gate.open:
            return False
        calls: list[ScriptItem] = [
            (
                [view_key(self.prefix, number), version_key(self.prefix, number)],
                [value, version, self.negative_ttl if negative else self.ttl],
            )
            for number, value, version, negative in items
        ]
        try:
            async with asyncio.timeout(self.timeout):
                await run_script(self.redis, self._cas, calls)
        except REDIS_ERRORS as exc:
            self._failed("write", exc)
            return False
        return True

    async def drop(self, numbers: Sequence[str]) -> bool:
        """Delete the views of ``numbers`` and bump their versions (the change feed's backstop)."""
        if not numbers:
            return True
        try:
            async with asyncio.timeout(self.timeout * 4):
                async with self.redis.pipeline(transaction=False) as pipe:
                    for number in numbers:  # one key per command (Redis Cluster: per slot)
                        pipe.delete(view_key(self.prefix, number))
                        pipe.incr(version_key(self.prefix, number))
                        pipe.expire(version_key(self.prefix, number), VERSION_TTL_SECONDS)
                    await pipe.execute()
        except REDIS_ERRORS as exc:
            self._failed("drop", exc)
            return False
        return True

    def _failed(self, what: str, exc: BaseException) -> None:
        if not self.gate.open:
            logger.warning("Redis %s failed (%s: %s); reading the database meanwhile", what, type(exc).__name__, exc)
        self.gate.failed()
