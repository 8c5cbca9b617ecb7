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
from dataclasses import KW_ONLY, dataclass
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


def as_bytes(value: bytes | str | None) -> bytes | None:
    """A Redis reply as bytes (a client set to decode replies hands back ``str``)."""
    return value.encode() if isinstance(value, str) else value


async def read_versioned(redis: RedisClient, keys: Sequence[tuple[str, str]]) -> list[tuple[bytes | None, bytes]]:
    """Each ``(value key, version key)`` pair's value (``None``: absent) and version (``b""``: none yet), in
    one ``MGET`` (one per slot on a Redis Cluster). Shared by certificate views and persons' views."""
    values = await mget(redis, [value for value, _ in keys] + [version for _, version in keys])
    count = len(keys)
    return [(as_bytes(values[i]), as_bytes(values[count + i]) or b"") for i in range(count)]


async def drop_versioned(redis: RedisClient, keys: Sequence[tuple[str, str]]) -> None:
    """Delete each ``(value key, version key)`` pair's value and bump its version, so a fill that read the
    database before this can no longer store (the compare-and-set above); one pipeline, one key per command
    (Redis Cluster: per slot). Shared by certificate views and persons' views."""
    async with redis.pipeline(transaction=False) as pipe:
        for value, version in keys:
            pipe.delete(value)
            pipe.incr(version)
            pipe.expire(version, VERSION_TTL_SECONDS)
        await pipe.execute()


@dataclass(eq=False, repr=False)
class RedisViews:
    """Get and compare-and-set encoded values under versioned keys; every method returns ``None``/``False``
    instead of raising when Redis fails (and opens the gate).

    Certificate views by number by default; persons' views by tag with the person keys
    (:mod:`verify.person.cache`), so both levels share one timeout, gate and compare-and-set policy.
    """

    redis: RedisClient
    _: KW_ONLY
    prefix: str
    ttl: int
    negative_ttl: int
    timeout: float
    gate: RedisGate
    keys: tuple[Callable[[str, str], str], Callable[[str, str], str]] = (view_key, version_key)
    #: Says in the log which level failed (``person``); nothing else about what was asked.
    label: str = ""

    def __post_init__(self) -> None:
        self._value_key, self._version_key = self.keys
        self._cas = self.redis.register_script(_CAS_SCRIPT)

    async def read(self, numbers: Sequence[str]) -> dict[str, Cached] | None:
        """What Redis holds for each number, or ``None`` when Redis cannot be asked."""
        if self.gate.open:
            return None
        try:
            async with asyncio.timeout(self.timeout):
                held = await read_versioned(self.redis, self._keys(numbers))
        except REDIS_ERRORS as exc:
            self._failed("read", exc)
            return None
        self.gate.succeeded()
        return {n: Cached(value, version) for n, (value, version) in zip(numbers, held, strict=True)}

    async def write(self, items: Sequence[tuple[str, bytes, bytes, bool]]) -> bool:
        """Store ``(number, value, version seen before the read, negative?)`` items unless a version moved
        (one script call; one per slot on a Cluster)."""
        if not items or self.gate.open:
            return False
        calls: list[ScriptItem] = [
            (list(self._key(name)), [value, version, self.negative_ttl if negative else self.ttl])
            for name, value, version, negative in items
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
                await drop_versioned(self.redis, self._keys(numbers))
        except REDIS_ERRORS as exc:
            self._failed("drop", exc)
            return False
        return True

    def _key(self, name: str) -> tuple[str, str]:
        return self._value_key(self.prefix, name), self._version_key(self.prefix, name)

    def _keys(self, names: Sequence[str]) -> list[tuple[str, str]]:
        return [self._key(name) for name in names]

    def _failed(self, what: str, exc: BaseException) -> None:
        if not self.gate.open:
            logger.warning(
                "Redis %s failed (%s); reading the database meanwhile",
                f"{self.label} {what}".strip(),
                type(exc).__name__,
            )
        self.gate.failed()
