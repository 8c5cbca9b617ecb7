"""Certificate views by number: Redis first, then the database, one load per number however many wait.

Single-flight: the first request for a number starts a load task and every concurrent request for the same
number awaits that task (shielded, so a client that goes away does not cancel the others' answer). A batch
loads all its missing numbers in one task: one ``MGET`` and one ``IN (…)`` query. What the database says is
written back to Redis (views for ``redis_ttl_seconds``, "no such certificate" for ``negative_ttl_seconds``)
by compare-and-set, see :mod:`verify.redis_views`.

When the database fails, :class:`verify.errors.ServiceUnavailableError` is raised (503 with Retry-After);
cached answers are unaffected.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from registry.db import Database
from verify.errors import DATABASE_ERRORS, unavailable
from verify.metrics import Metrics
from verify.queries import fetch_view, fetch_views
from verify.redis_views import Cached, RedisViews
from verify.views import CertificateView, UndecodableViewError, decode_view, encode_view

Views = dict[str, CertificateView | None]


class ViewStore:
    """Loads views through Redis (when configured and enabled) and the read database."""

    def __init__(
        self, database: Database, redis: RedisViews | None, metrics: Metrics, *, db_timeout: float, retry_after: int
    ) -> None:
        self.database = database
        self.redis = redis
        self.metrics = metrics
        self.db_timeout = db_timeout
        self.retry_after = retry_after
        self._inflight: dict[str, asyncio.Task[Views]] = {}

    async def get(self, number: str) -> CertificateView | None:
        """The view of ``number`` (``None``: no such certificate); raises ServiceUnavailableError."""
        task = self._inflight.get(number)
        if task is None:
            task = self._start([number])
        return (await asyncio.shield(task))[number]

    async def get_many(self, numbers: Sequence[str]) -> Views:
        """Views of distinct ``numbers``; raises ServiceUnavailableError."""
        waiting = {n: self._inflight[n] for n in numbers if n in self._inflight}
        mine = [n for n in numbers if n not in waiting]
        if mine:
            task = self._start(mine)
            waiting.update(dict.fromkeys(mine, task))
        found: Views = {}
        for task in set(waiting.values()):
            found.update(await asyncio.shield(task))
        return {n: found[n] for n in numbers}

    def _start(self, numbers: list[str]) -> asyncio.Task[Views]:
        task = asyncio.create_task(self._load(numbers))
        for number in numbers:
            self._inflight[number] = task

        def _done(finished: asyncio.Task[Views]) -> None:
            for number in numbers:
                if self._inflight.get(number) is finished:
                    del self._inflight[number]
            if not finished.cancelled():
                finished.exception()  # retrieved here, so an error nobody awaited is not logged as lost

        task.add_done_callback(_done)
        return task

    async def _load(self, numbers: list[str]) -> Views:
        cached = await self.redis.read(numbers) if self.redis is not None else None
        found: Views = {}
        missing = numbers
        if cached is not None:
            missing = [n for n in numbers if not self._take(n, cached[n], found)]
        elif self.redis is not None:
            self.metrics.redis_error.inc()
        if missing:
            loaded = await self._from_database(missing)
            found.update(loaded)
            if cached is not None and self.redis is not None:
                await self.redis.write(
                    [(n, encode_view(loaded[n]), cached[n].version, loaded[n] is None) for n in missing]
                )
        return found

    def _take(self, number: str, cached: Cached, found: Views) -> bool:
        if cached.value is None:
            self.metrics.redis_miss.inc()
            return False
        try:
            found[number] = decode_view(cached.value)
        except UndecodableViewError:
            self.metrics.redis_miss.inc()
            return False
        self.metrics.redis_hit.inc()
        return True

    async def _from_database(self, numbers: list[str]) -> Views:
        self.metrics.db_query.inc()
        try:
            async with asyncio.timeout(self.db_timeout), self.database.read_engine.connect() as conn:
                if len(numbers) == 1:
                    return {numbers[0]: await fetch_view(conn, numbers[0])}
                views = await fetch_views(conn, numbers)
        except DATABASE_ERRORS as exc:
            self.metrics.db_error.inc()
            raise unavailable(exc, self.retry_after) from None
        return {n: views.get(n) for n in numbers}
