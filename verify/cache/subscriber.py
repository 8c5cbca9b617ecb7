"""The invalidation subscriber: one task per worker listening on Redis pub/sub.

Messages on :func:`verify.cache.invalidation.channel` name changed certificates, whose in-process answers are
dropped at once; messages on :func:`verify.cache.invalidation.api_keys_channel` name revoked API keys.

Pub/sub delivers only to connected subscribers, so an invalidation published while this worker is not
subscribed is lost to it. Hence the in-process cache is switched **off** from the moment the connection
fails until the subscription is confirmed again, and it starts empty then (:meth:`ResponseCache.set_active`).
Reconnection backs off from 50 ms to 2 s. An idle connection is pinged every second (every third of
``dead_after`` when that is shorter); no answer within ``dead_after`` seconds (``redis_dead_after_seconds``)
counts as a lost connection (a frozen Redis does not close its sockets).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Final

from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from verify.apikeys import ApiKeyResolver
from verify.cache.connect import RedisClient, subscriber_from_url
from verify.cache.invalidation import api_keys_channel, channel, decode_numbers
from verify.cache.lru import ResponseCache
from verify.cache.redis_views import REDIS_ERRORS
from verify.metrics import Metrics

logger = logging.getLogger("certreg.verify.subscriber")

MIN_BACKOFF: Final = 0.05
MAX_BACKOFF: Final = 2.0


class Subscriber:
    """Keeps ``cache`` in step with the invalidations published on Redis."""

    def __init__(
        self,
        redis_url: str,
        prefix: str,
        cache: ResponseCache[Any],
        api_keys: ApiKeyResolver,
        metrics: Metrics,
        *,
        timeout: float,
        dead_after: float = 3.0,
        on_connect: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.redis_url = redis_url
        self.channel = channel(prefix)
        self.keys_channel = api_keys_channel(prefix)
        self.cache = cache
        self.api_keys = api_keys
        self.metrics = metrics
        self.timeout = timeout
        self.dead_after = dead_after
        #: Idle time before a ping: three chances to answer within ``dead_after``.
        self.ping_every = min(1.0, dead_after / 3)
        self.on_connect = on_connect
        self.connected = False
        self.connections = 0  # successful subscriptions so far (tests and metrics watch it)

    async def run(self) -> None:
        """Subscribe, listen, and on any failure switch the cache off and reconnect; until cancelled."""
        backoff = MIN_BACKOFF
        attempt = 0
        while True:
            client = subscriber_from_url(
                self.redis_url, attempt, socket_connect_timeout=self.timeout, retry=Retry(NoBackoff(), 0)
            )
            attempt += 1
            pubsub = client.pubsub()
            try:
                await self._subscribe(pubsub)
                backoff = MIN_BACKOFF
                await self._listen(pubsub)
            except REDIS_ERRORS as exc:
                if self.connected:
                    logger.warning("invalidation subscriber lost Redis (%s); in-process cache off", exc)
            finally:
                self._set_connected(False)
                await _close(pubsub, client)
            await asyncio.sleep(backoff)
            backoff = min(MAX_BACKOFF, backoff * 2)

    async def _subscribe(self, pubsub: Any) -> None:
        async with asyncio.timeout(max(self.timeout * 4, 1.0)):
            await pubsub.subscribe(self.channel, self.keys_channel)
            confirmed = 0
            while confirmed < 2:
                message = await pubsub.get_message(timeout=self.timeout)
                if message is not None and message["type"] == "subscribe":
                    confirmed += 1
        self.connections += 1
        if self.on_connect is not None:
            await self.on_connect()
        self._set_connected(True)
        logger.info("invalidation subscriber connected; in-process cache on (and empty)")

    async def _listen(self, pubsub: Any) -> None:
        last_heard = time.monotonic()
        pinged = False
        while True:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=self.ping_every)
            now = time.monotonic()
            if message is None:
                if now - last_heard > self.dead_after:
                    raise TimeoutError(f"no answer from Redis for {self.dead_after} s")
                if not pinged:
                    await pubsub.ping()
                    pinged = True
                continue
            last_heard, pinged = now, False
            self._handle(message)

    def _handle(self, message: dict[str, Any]) -> None:
        if message.get("type") != "message":
            return
        name = message["channel"].decode() if isinstance(message["channel"], bytes) else message["channel"]
        data = message["data"] if isinstance(message["data"], bytes) else str(message["data"]).encode()
        if name == self.channel:
            numbers = decode_numbers(data)
            self.cache.invalidate(numbers)
            self.metrics.invalidations.labels("pubsub").inc(len(numbers))
        elif name == self.keys_channel and data.strip().isdigit():
            self.api_keys.forget(int(data))

    def _set_connected(self, connected: bool) -> None:
        self.connected = connected
        self.cache.set_active(connected)


async def _close(pubsub: Any, client: RedisClient) -> None:
    for closer in (pubsub.aclose, client.aclose):
        try:
            await asyncio.wait_for(closer(), 1.0)
        except (*REDIS_ERRORS, RuntimeError):
            logger.debug("closing the subscriber connection failed", exc_info=True)
