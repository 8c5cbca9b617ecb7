"""Certificate views by number: Redis first, then the database, one load per number however many wait.

Single-flight: the first request for a number starts a load and every concurrent request for the same number
awaits it (shielded, so a client that goes away does not cancel the others' answer). Loads are batched per
turn of the event loop: one ``MGET`` and one ``IN (…)`` query for all the numbers asked for together.
What the database says is written back to Redis (views for ``redis_ttl_seconds``, "no such certificate"
for ``negative_ttl_seconds``) by compare-and-set, see :mod:`verify.cache.redis_views`.

A load remembers the cache generation at which it began (:attr:`Loaded.started`); every request that
joins it fills the in-process cache with *that* generation, so an answer read before an invalidation is
refused by :meth:`verify.cache.lru.ResponseCache.put` however late a request joined. And a request for a number
invalidated after its load began does not join that load at all but starts a fresh one, so it never gets
an answer the database no longer gives (a slow load cannot hide a revocation).

Every value written to Redis is stamped with the change-feed position it reflects, and a value older than
the newest event this worker knows about its number is never used (:mod:`verify.cache.revisions`): a
Redis that stalled, restarted or lags cannot bring back an answer the registry has ended.

When the database fails, :class:`verify.errors.ServiceUnavailableError` is raised (503 with Retry-After);
cached answers are unaffected.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, Final, NamedTuple

from sqlalchemy.ext.asyncio import AsyncEngine

from registry.db import Database
from verify.cache.lru import ResponseCache
from verify.cache.redis_views import Cached, RedisViews
from verify.cache.revisions import Revisions, StaleValueError, stamp_value, unstamp_value
from verify.errors import read_or_unavailable
from verify.metrics import Metrics
from verify.queries import fetch_view, fetch_views
from verify.views import CertificateView, UndecodableViewError, decode_view, encode_view

Views = dict[str, CertificateView | None]


class Loaded(NamedTuple):
    """Views, and the cache generation at which the load that read them began (for ``ResponseCache.put``)."""

    views: Views
    started: int


class _Flight:
    """One batched load: its future, and the cache generation when it was launched (``None`` until then)."""

    __slots__ = ("future", "started")

    def __init__(self, future: asyncio.Future[Views]) -> None:
        self.future = future
        self.started: int | None = None


#: Most numbers one load asks for (the SQL ``IN`` list and the ``MGET`` stay small).
MAX_BATCH: Final = 500


class ViewStore:
    """Loads views through Redis (when configured and enabled) and the read database.

    Loads are also *batched*: numbers asked for during one turn of the event loop (the misses of requests
    that arrived together) go out as one ``MGET`` and one query, so a burst of distinct misses costs a few
    round trips rather than one each. At most ``db_slots`` queries run at once, so the connection pool
    never opens (and closes) overflow connections under load.
    """

    def __init__(
        self,
        database: Database,
        redis: RedisViews | None,
        metrics: Metrics,
        *,
        db_timeout: float,
        retry_after: int,
        db_slots: int = 10,
        cache: ResponseCache[Any] | None = None,
        revisions: Revisions | None = None,
    ) -> None:
        self.database = database
        #: The read path has a replica of its own (a URL other than the primary's), which may lag.
        self._replica = str(database.read_engine.url) != str(database.write_engine.url)
        self.redis = redis
        self.metrics = metrics
        self.db_timeout = db_timeout
        self.retry_after = retry_after
        self.db_slots = db_slots
        #: The in-process cache whose generations loads are tagged with (None: generation 0, never stale).
        self.cache = cache
        #: What this worker knows of the change feed (kept by :class:`verify.cache.feed.ChangeFeed`).
        self.revisions = revisions if revisions is not None else Revisions()
        self._inflight: dict[str, _Flight] = {}
        self._batch: list[str] | None = None
        self._batch_flight: _Flight | None = None
        self._slots: asyncio.Semaphore | None = None
        #: The newest signed checkpoint this worker knows of (kept by the change feed): a cached view built
        #: against an older one is reloaded, so answers carry a proof against the latest checkpoint.
        self.checkpoint_size = 0

    async def get(self, number: str) -> tuple[CertificateView | None, int]:
        """The view of ``number`` (``None``: no such certificate) and the generation its load began at;
        raises ServiceUnavailableError."""
        flight = self._joinable(number) or self._enqueue([number])
        views = await asyncio.shield(flight.future)
        assert flight.started is not None  # set at launch, before the load can finish
        return views[number], flight.started

    async def get_many(self, numbers: Sequence[str]) -> Loaded:
        """Views of distinct ``numbers`` and the oldest generation their loads began at; raises
        ServiceUnavailableError."""
        waiting: dict[str, _Flight] = {}
        for number in numbers:
            flight = self._joinable(number)
            if flight is not None:
                waiting[number] = flight
        fresh = [n for n in numbers if n not in waiting]
        for start in range(0, len(fresh), MAX_BATCH):
            chunk = fresh[start : start + MAX_BATCH]
            flight = self._enqueue(chunk)
            waiting.update(dict.fromkeys(chunk, flight))
        found: Views = {}
        flights = {id(f): f for f in waiting.values()}.values()
        for flight in flights:
            found.update(await asyncio.shield(flight.future))
        started = min((f.started for f in flights if f.started is not None), default=self._generation())
        return Loaded({n: found[n] for n in numbers}, started)

    def _generation(self) -> int:
        return self.cache.generation if self.cache is not None else 0

    def _joinable(self, number: str) -> _Flight | None:
        """The load of ``number`` under way, unless the number was invalidated since it began."""
        flight = self._inflight.get(number)
        if flight is None or flight.started is None or self.cache is None:
            return flight
        if self.cache.changed_since(number, flight.started):
            return None
        return flight

    def _enqueue(self, numbers: list[str]) -> _Flight:
        """Add ``numbers`` to the batch that leaves at the end of this turn of the loop."""
        if self._batch is None or self._batch_flight is None or len(self._batch) + len(numbers) > MAX_BATCH:
            loop = asyncio.get_running_loop()
            future: asyncio.Future[Views] = loop.create_future()
            future.add_done_callback(_retrieve)
            self._batch, self._batch_flight = [], _Flight(future)
            loop.call_soon(self._launch, self._batch, self._batch_flight)
        self._batch.extend(numbers)
        for number in numbers:
            self._inflight[number] = self._batch_flight
        return self._batch_flight

    def _launch(self, numbers: list[str], flight: _Flight) -> None:
        if self._batch is numbers:
            self._batch = self._batch_flight = None
        flight.started = self._generation()
        future = flight.future
        task = asyncio.create_task(self._load(numbers))

        def _settle(finished: asyncio.Task[Views]) -> None:
            for number in numbers:
                if self._inflight.get(number) is flight:
                    del self._inflight[number]
            if finished.cancelled():
                future.cancel()
            elif (error := finished.exception()) is not None:
                future.set_exception(error)
            else:
                future.set_result(finished.result())

        task.add_done_callback(_settle)

    async def _load(self, numbers: list[str]) -> Views:
        # Every event up to the feed's position now is committed, so what is read below reflects it.
        position = self.revisions.position
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
            for view in loaded.values():
                if view is not None:
                    self.revisions.saw(view.number, view.revision)
            if cached is not None and self.redis is not None:
                await self.redis.write([self._stamped(n, loaded[n], position, cached[n].version) for n in missing])
        return found

    @staticmethod
    def _stamped(
        number: str, view: CertificateView | None, position: int, version: bytes
    ) -> tuple[str, bytes, bytes, bool]:
        stamp = position if view is None else max(position, view.revision)
        return number, stamp_value(stamp, encode_view(view)), version, view is None

    def _take(self, number: str, cached: Cached, found: Views) -> bool:
        if cached.value is None:
            self.metrics.redis_miss.inc()
            return False
        try:
            stamp, payload = unstamp_value(cached.value)
            view = decode_view(payload)
        except (StaleValueError, UndecodableViewError):
            self.metrics.redis_miss.inc()
            return False
        if self.revisions.stale(number, stamp):
            self.metrics.redis_stale.inc()
            return False
        if view is not None and view.proof_older_than(self.checkpoint_size):
            self.metrics.redis_miss.inc()
            return False
        found[number] = view
        self.metrics.redis_hit.inc()
        return True

    async def _from_database(self, numbers: list[str]) -> Views:
        self.metrics.db_query.inc()
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.db_slots)
        slots = self._slots

        async def read_from(engine: AsyncEngine, wanted: list[str]) -> Views:
            async with slots, engine.connect() as conn:
                if len(wanted) == 1:
                    return {wanted[0]: await fetch_view(conn, wanted[0])}
                views = await fetch_views(conn, wanted)
            return {n: views.get(n) for n in wanted}

        async def read() -> Views:
            views = await read_from(self.database.read_engine, numbers)
            if not self._replica:
                return views
            # A lagging replica: a certificate whose newest known event it has not replayed yet is read from
            # the primary, so a revocation this worker knows of is never answered "valid" (docs/operations.md).
            behind = [n for n in numbers if self.revisions.known(n) > _revision(views[n])]
            if behind:
                self.metrics.replica_behind.inc(len(behind))
                views.update(await read_from(self.database.primary_engine, behind))
            return views

        return await read_or_unavailable(
            read, within=self.db_timeout, retry_after=self.retry_after, on_error=self.metrics.db_error.inc
        )


def _revision(view: CertificateView | None) -> int:
    return -1 if view is None else view.revision


def _retrieve(future: asyncio.Future[Views]) -> None:
    """Mark an error as seen, so one that every waiter gave up on is not logged as lost."""
    if not future.cancelled():
        future.exception()
