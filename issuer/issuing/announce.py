"""Telling the verify caches that certificates changed, after the change committed.

The API routes use :meth:`issuer.runtime.IssuerRuntime.announce` (the app's Redis connection); the
operator CLI has no app, so :func:`announcer_from_settings` builds a short-lived Redis client from
``CERTREG_REDIS_URL`` (nothing to tell without one: the verify workers of the embedded setup then learn of
the change from their change feed, which polls the event table).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from registry.config import Settings

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
    # Imported here: redis-py (0.1–0.2 s of CPU) is needed only with a Redis configured and a change made, and
    # the commands that announce (issue, issue-batch, certificates, demo) import this module to start.
    from issuer.issuing.redis_announce import redis_announcer

    async with redis_announcer(settings.redis.redis_url, settings.redis.redis_prefix) as announce:
        yield announce
