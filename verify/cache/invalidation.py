"""Telling every verify worker that certificates changed (issued, revoked, reissued, replaced).

The write path calls :func:`invalidate_numbers` after its transaction commits. It

1. drops the in-process caches of this process at once (listeners registered by the verify runtime: the
   all-in-one app without Redis needs nothing else);
2. in one Redis round trip, deletes the cached views of the numbers, bumps their *version* keys (a view
   read from the database before the change can then no longer be written back: see
   :mod:`verify.cache.redis_views`), and publishes the numbers on the invalidation channel, to which every verify
   worker subscribes to drop its in-process copies. (On a Redis Cluster the pipeline is split per node by
   redis-py and the ``PUBLISH`` goes after it: cluster pipelines refuse it.)

Redis being down is not an error here (the caller's change is already committed): workers that cannot hear
invalidations stop trusting their in-process cache until Redis is back, and every worker also polls the
event table (:mod:`verify.cache.feed`), which bounds staleness even when this announcement is lost. So the
announcement never holds the caller up for long: the whole of it has a budget of
:data:`ANNOUNCE_SECONDS` (a frozen Redis does not close its sockets; without a budget an operator's
``certreg certificates revoke`` waited 7–18 s for it, issue 10 item 1).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Final

from redis.asyncio.cluster import RedisCluster
from redis.exceptions import RedisError

from verify.cache.connect import RedisClient

logger = logging.getLogger("certreg.verify.invalidation")

#: Seconds a version key outlives its last bump: far longer than any fill that could race it.
VERSION_TTL_SECONDS: Final = 86_400
#: The longest an announcement may take before it is given up (the change feed is the safety net).
ANNOUNCE_SECONDS: Final = 1.0

Listener = Callable[[Sequence[str]], None]
_listeners: list[Listener] = []


def view_key(prefix: str, number: str) -> str:
    """The Redis key of a certificate's cached view.

    The number is the key's hash tag (``{…}``), shared with :func:`version_key`: on a Redis Cluster both
    keys of a certificate live in one slot, so the compare-and-set script can read one and write the other.
    """
    return f"{prefix}:cert:{{{number}}}"


def version_key(prefix: str, number: str) -> str:
    """The Redis key counting the invalidations of a number (compare-and-set guard of view writes)."""
    return f"{prefix}:ver:{{{number}}}"


def channel(prefix: str) -> str:
    """The pub/sub channel on which changed certificate numbers are announced."""
    return f"{prefix}:invalidate"


def api_keys_channel(prefix: str) -> str:
    """The pub/sub channel on which revoked employer API key ids are announced."""
    return f"{prefix}:invalidate-api-keys"


def encode_numbers(numbers: Sequence[str]) -> bytes:
    return "\n".join(numbers).encode()


def decode_numbers(message: bytes) -> list[str]:
    return [n for n in message.decode(errors="replace").split("\n") if n]


def add_local_listener(listener: Listener) -> None:
    """Call ``listener(numbers)`` on every invalidation made in this process (the verify runtime's caches)."""
    _listeners.append(listener)


def remove_local_listener(listener: Listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def _tell_local(numbers: Sequence[str]) -> None:
    for listener in list(_listeners):
        try:
            listener(numbers)
        except Exception:  # a cache bug must not fail the caller's committed change
            logger.exception("in-process invalidation listener failed")


async def invalidate_numbers(
    redis: RedisClient | None, prefix: str, numbers: Sequence[str], *, seconds: float = ANNOUNCE_SECONDS
) -> bool:
    """Drop the cached views of ``numbers`` everywhere; returns False when Redis could not be told within
    ``seconds`` (the change feed of every worker then applies the change within its poll interval)."""
    if not numbers:
        return True
    _tell_local(numbers)
    if redis is None:
        return True
    try:
        async with asyncio.timeout(seconds):
            await _announce(redis, prefix, numbers)
    except (RedisError, OSError, TimeoutError) as exc:
        count, reason = len(numbers), type(exc).__name__
        logger.warning(
            "未能通知查验缓存 %d 张证书已变更（%s），查验进程将从变更流中得知 / could not announce %d changed "
            "certificates (%s); verify workers apply them from the change feed",
            count,
            reason,
            count,
            reason,
        )
        return False
    return True


async def _announce(redis: RedisClient, prefix: str, numbers: Sequence[str]) -> None:
    for start in range(0, len(numbers), 1000):
        chunk = numbers[start : start + 1000]
        async with redis.pipeline(transaction=False) as pipe:
            for number in chunk:  # one key per command: a Cluster pipeline routes each to its slot
                pipe.delete(view_key(prefix, number))
                pipe.incr(version_key(prefix, number))
                pipe.expire(version_key(prefix, number), VERSION_TTL_SECONDS)
            if not isinstance(redis, RedisCluster):
                pipe.publish(channel(prefix), encode_numbers(chunk))
            await pipe.execute()
        if isinstance(redis, RedisCluster):  # a Cluster pipeline refuses PUBLISH (any node relays it to all)
            await redis.publish(channel(prefix), encode_numbers(chunk))


async def announce_api_key_revoked(redis: RedisClient | None, prefix: str, key_id: int) -> bool:
    """Tell verify workers to forget API key ``key_id`` at once; returns False when Redis could not be told
    (workers then forget it within ``api_key_cache_seconds``)."""
    if redis is None:
        return True
    try:
        async with asyncio.timeout(ANNOUNCE_SECONDS):
            await redis.publish(api_keys_channel(prefix), str(key_id).encode())
    except (RedisError, OSError, TimeoutError) as exc:
        logger.warning("could not announce the revocation of API key %s: %s", key_id, exc)
        return False
    return True
