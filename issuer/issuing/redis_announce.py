"""The operator CLI's announcer: a short-lived Redis client of its own that tells the verify caches which
certificates changed (:func:`issuer.issuing.announce.announcer_from_settings` opens it when
``CERTREG_REDIS_URL`` is set; apart from that module so that a command loads redis-py only then)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from issuer.issuing.announce import Announce
from verify.cache.connect import redis_from_url
from verify.cache.invalidation import ANNOUNCE_SECONDS, invalidate_numbers


@asynccontextmanager
async def redis_announcer(url: str, prefix: str) -> AsyncIterator[Announce]:
    """An announcer on a Redis client of its own at ``url``, closed on exit."""
    # No retries and short timeouts: the change is committed, and a frozen Redis must not hold the operator
    # up (the verify workers' change feed applies it anyway).
    client = redis_from_url(
        url, socket_timeout=ANNOUNCE_SECONDS, socket_connect_timeout=ANNOUNCE_SECONDS, retry=Retry(NoBackoff(), 0)
    )

    async def _announce(numbers: Sequence[str]) -> None:
        await invalidate_numbers(client, prefix, numbers)

    try:
        yield _announce
    finally:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(client.aclose(), ANNOUNCE_SECONDS)
