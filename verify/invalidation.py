"""Telling every verify worker that certificates changed (issued, revoked, reissued, replaced).

The write path calls :func:`invalidate_numbers` after its transaction commits: it deletes the Redis views of
the numbers and publishes them on the invalidation channel, to which every verify worker subscribes to drop
its in-process copies. Redis being down is not an error here (the caller's change is already committed);
verify workers that cannot hear invalidations stop trusting their in-process cache until Redis is back.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import redis.asyncio as aioredis
from redis.exceptions import RedisError

logger = logging.getLogger("certreg.verify.invalidation")


def view_key(prefix: str, number: str) -> str:
    """The Redis key of a certificate's cached view."""
    return f"{prefix}:cert:{number}"


def channel(prefix: str) -> str:
    """The pub/sub channel on which changed certificate numbers are announced."""
    return f"{prefix}:invalidate"


def encode_numbers(numbers: Sequence[str]) -> bytes:
    return "\n".join(numbers).encode()


def decode_numbers(message: bytes) -> list[str]:
    return [n for n in message.decode().split("\n") if n]


async def invalidate_numbers(redis: aioredis.Redis | None, prefix: str, numbers: Sequence[str]) -> bool:
    """Drop the cached views of ``numbers`` everywhere; returns False when Redis could not be told."""
    if redis is None or not numbers:
        return True
    try:
        for start in range(0, len(numbers), 1000):
            chunk = numbers[start : start + 1000]
            async with redis.pipeline(transaction=False) as pipe:
                pipe.delete(*(view_key(prefix, n) for n in chunk))
                pipe.publish(channel(prefix), encode_numbers(chunk))
                await pipe.execute()
    except (RedisError, OSError) as exc:
        logger.warning("could not announce %d changed certificates: %s", len(numbers), exc)
        return False
    return True
