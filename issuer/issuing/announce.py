"""Telling the verify caches that certificates changed, after the change committed.

The API routes use :meth:`issuer.runtime.IssuerRuntime.announce` (the app's Redis connection); the
operator CLI has no app, so :func:`announcer_from_settings` builds a short-lived Redis client from
``CERTREG_REDIS_URL`` (nothing to tell without one: the verify workers of the embedded setup then learn of
the change from their change feed, which polls the event table).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from registry.config import Settings
from verify.cache.connect import redis_from_url
from verify.cache.invalidation import ANNOUNCE_SECONDS, invalidate_numbers

#: Called with the changed numbers once the transaction committed.
Announce = Callable[[Sequence[str]], Awaitable[None]]


async def announce_to(announce: Announce | None, numbers: Sequence[str]) -> None:
    """Announce ``numbers`` when there is an announcer and something to say."""
    if announce is not None and numbers:
        await announce(numbers)


@asynccontextmanager
async def announcer_from_settings(settings: Settings) -> AsyncIterator[Announce | None]:
    """An announcer on a Redis client of its own (closed on exit), or ``None`` without ``redis_url``."""
    if settings.redis.redis_url is None:
        yield None
        return
    # No retries and short timeouts: the change is committed, and a frozen Redis must not hold the operator
    # up (the verify workers' change feed applies it anyway).
    client = redis_from_url(
        settings.redis.redis_url,
        socket_timeout=ANNOUNCE_SECONDS,
        socket_connect_timeout=ANNOUNCE_SECONDS,
        retry=Retry(NoBackoff(), 0),
    )

    async def _announce(numbers: Sequence[str]) -> None:
        await invalidate_numbers(client, settings.redis.redis_prefix, numbers)

    try:
        yield _announce
    finally:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(client.aclose(), ANNOUNCE_SECONDS)
