"""A person's certificate views: the in-process cache's tag, Redis, then the database, one load per person.

Level 1 is the worker's :class:`verify.cache.lru.ResponseCache` (finished answers keyed by person, name and
variant, tagged with the person's tag and *linked* to every certificate number they list, so any
invalidation of one of those numbers drops them). Level 2 is Redis: the MessagePack of the person's views
under ``{prefix}:person:{<tag>}``, written by compare-and-set against ``{prefix}:pver:{<tag>}`` exactly like
certificate views (:mod:`verify.cache.redis_views`), so a fill that raced a change stores nothing. The tag is
the keys' hash tag: on a Redis Cluster both keys of a person share a slot (:mod:`verify.cache.slots`).

Revision stamps. Like a certificate view, every value is stamped with the newest event it is known to
reflect (the feed position when its load began, or its newest certificate's event if later;
:mod:`verify.cache.revisions`), and a value older than the newest event this worker knows about the person
(any event the feed mapped to them, a new issue included) or about any certificate it lists is refused and
read again. So a fill that read the database before a revocation and wrote after it, past a version key that
Redis lost meanwhile (a restart, an eviction, a restored snapshot), is never served by a worker that has seen
the revocation, nor by one started after it.

Invalidation. A revoked, reissued or replaced certificate is in a cached answer's links, so the existing
announcements (pub/sub, the local listener, the change feed) drop it. A newly issued certificate is in no
answer yet: the change feed hands every changed number to :meth:`PersonStore.changed`, which maps numbers
to holders with one query (``certificate.number`` → ``holder_id_digest``) and drops those persons in process
and in Redis. The feed polls every ``change_poll_seconds`` (0.5 s), so a person's answer is replaced within
a second of any change to any of their certificates.

Single flight: concurrent first look-ups of one person share one load (shielded from cancellation). Loads
are batched per turn of the event loop: the persons asked for together go out as one ``MGET`` and one
``IN (…)`` query (as certificate views do, :mod:`verify.cache.viewstore`).

A lagging read replica must not bring back what the change feed (which reads the primary) has seen end: a
person dropped by the feed within the last :data:`RECENT_SECONDS` is read from the primary, and so is one
whose replica rows miss an event this worker knows about one of their certificates
(:class:`verify.cache.revisions.Revisions`), as :mod:`verify.cache.viewstore` does for single certificates.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import Sequence
from typing import Any, Final

import msgspec
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from registry.db import Database
from verify.cache.connect import RedisClient
from verify.cache.lru import ResponseCache
from verify.cache.redis_views import RedisGate, RedisViews
from verify.cache.revisions import Revisions, StaleValueError, stamp_value, unstamp_value
from verify.errors import read_or_unavailable
from verify.metrics import Metrics
from verify.person.lookup import PersonQuery, person_tag
from verify.person.queries import digests_of, fetch_person, fetch_persons
from verify.views import CertificateView

#: How long a person changed by the feed is read from the primary rather than the replica.
RECENT_SECONDS: Final = 60.0
_MAX_RECENT: Final = 10_000
#: Most persons one load asks for (the ``MGET`` and the SQL ``IN`` list stay small).
MAX_BATCH: Final = 500
Views = list[CertificateView]
_encoder: Final = msgspec.msgpack.Encoder()
_decoder: Final = msgspec.msgpack.Decoder(list[CertificateView])


def person_key(prefix: str, tag: str) -> str:
    """The Redis key of a person's views (the tag is the hash tag, shared with the version key)."""
    return f"{prefix}:person:{{{tag}}}"


def person_version_key(prefix: str, tag: str) -> str:
    """The Redis key counting the invalidations of a person (compare-and-set guard of writes)."""
    return f"{prefix}:pver:{{{tag}}}"


class _Flight:
    __slots__ = ("future", "started")

    def __init__(self, future: asyncio.Future[list[CertificateView]], started: int) -> None:
        self.future = future
        self.started = started


class PersonStore:
    """Loads persons' views through Redis (when given) and the read database."""

    def __init__(
        self,
        database: Database,
        redis: RedisClient | None,
        cache: ResponseCache[Any],
        *,
        prefix: str,
        ttl: int,
        timeout: float,
        gate: RedisGate,
        db_timeout: float,
        retry_after: int,
        db_slots: int = 10,
        revisions: Revisions | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.database = database
        self.metrics = metrics
        #: The Redis level: persons' views under person keys, with the certificate views' policy.
        self.redis = (
            RedisViews(
                redis,
                prefix=prefix,
                ttl=ttl,
                negative_ttl=ttl,
                timeout=timeout,
                gate=gate,
                keys=(person_key, person_version_key),
                label="person",
            )
            if redis is not None
            else None
        )
        self.cache = cache
        self.db_timeout = db_timeout
        self.retry_after = retry_after
        self._inflight: dict[str, _Flight] = {}
        self._pending_drops: set[str] = set()
        #: At most this many person queries at once (a batch of 1,000 people must not drain the pool).
        self._slots = asyncio.Semaphore(db_slots)
        self.revisions = revisions if revisions is not None else Revisions()
        #: The read path has a replica of its own, which may lag (see the module docstring).
        self._replica = str(database.read_engine.url) != str(database.write_engine.url)
        #: Tag → when the change feed last dropped it (read from the primary for a while after).
        self._recent: dict[str, float] = {}
        #: The persons asked for during this turn of the event loop (loaded together at its end).
        self._batch: dict[str, tuple[PersonQuery, _Flight]] | None = None
        self._loads: set[asyncio.Task[dict[str, Views]]] = set()

    async def get(self, query: PersonQuery) -> tuple[list[CertificateView], int]:
        """The person's views (newest first) and the cache generation their load began at; raises
        ServiceUnavailableError."""
        flight = self._inflight.get(query.tag)
        queued = self._batch.get(query.tag) if self._batch is not None else None
        if queued is not None:
            # not read yet: whatever was invalidated meanwhile, its read comes after, so it may serve this too
            flight = queued[1]
            flight.started = min(flight.started, self.cache.generation)
        elif flight is None or self.cache.changed_since(query.tag, flight.started):
            loop = asyncio.get_running_loop()
            flight = _Flight(loop.create_future(), self.cache.generation)
            self._inflight[query.tag] = flight
            if self._batch is None or len(self._batch) >= MAX_BATCH:
                self._batch = {}
                loop.call_soon(self._launch, self._batch)
            self._batch[query.tag] = (query, flight)
        return await asyncio.shield(flight.future), flight.started

    def _launch(self, batch: dict[str, tuple[PersonQuery, _Flight]]) -> None:
        if self._batch is batch:
            self._batch = None
        task = asyncio.create_task(self._load([query for query, _ in batch.values()]))  # noqa: RUF006 - kept below
        self._loads.add(task)  # held until done, so the loop cannot drop it
        task.add_done_callback(self._loads.discard)
        task.add_done_callback(functools.partial(self._settle, batch))

    def _settle(self, batch: dict[str, tuple[PersonQuery, _Flight]], done: asyncio.Task[dict[str, Views]]) -> None:
        for tag, (_, flight) in batch.items():
            if self._inflight.get(tag) is flight:
                del self._inflight[tag]
            if done.cancelled():
                flight.future.cancel()
            elif (error := done.exception()) is not None:
                flight.future.set_exception(error)
                flight.future.exception()  # seen, even if every waiter went away
            elif tag in (result := done.result()):
                flight.future.set_result(result[tag])
            else:  # never expected; a waiter must not wait forever
                flight.future.set_exception(RuntimeError("person load returned no answer"))
                flight.future.exception()

    async def _load(self, queries: list[PersonQuery]) -> dict[str, Views]:
        # Every event up to the feed's position now is committed, so what is read below reflects it.
        position = self.revisions.position
        cached = await self._read_redis([query.tag for query in queries])
        found: dict[str, Views] = {}
        versions: dict[str, bytes] = {}
        for query in queries:
            held = cached.get(query.tag) if cached is not None else None
            if isinstance(held, list):
                found[query.tag] = held
            elif held is not None:
                versions[query.tag] = held
        missing = [query for query in queries if query.tag not in found]
        if missing:
            loaded = await self._from_database(missing)
            found.update(loaded)
            if cached is not None:
                await self._write_redis([(tag, loaded[tag], versions.get(tag, b""), position) for tag in loaded])
        return found

    async def _read_redis(self, tags: list[str]) -> dict[str, Views | bytes] | None:
        """Per tag the cached views, else the version seen (``b""``: none yet); ``None`` when Redis cannot
        help. A value older than what this worker knows of the person is not returned (see the module
        docstring)."""
        stored = await self.redis.read(tags) if self.redis is not None else None
        if stored is None:
            return None
        held: dict[str, Views | bytes] = {}
        for tag, found in stored.items():
            held[tag] = found.version
            if (data := found.value) is not None:
                # a value written by another release (unstamped, or not decoding) is overwritten after the read
                with contextlib.suppress(StaleValueError, msgspec.DecodeError, msgspec.ValidationError):
                    stamp, payload = unstamp_value(data)
                    views = _decoder.decode(payload)
                    if not self._stale(tag, stamp, views):
                        held[tag] = views
        return held

    def _stale(self, tag: str, stamp: int, views: Views) -> bool:
        """Whether a value stamped ``stamp`` may miss an event this worker knows about the person or about
        one of the certificates it lists (counted as a stale Redis read)."""
        stale = self.revisions.stale(tag, stamp) or any(self.revisions.stale(v.number, stamp) for v in views)
        if stale and self.metrics is not None:
            self.metrics.redis_stale.inc()
        return stale

    async def _write_redis(self, items: list[tuple[str, Views, bytes, int]]) -> None:
        """Store ``(tag, views, version seen before the read, feed position before the read)`` unless the
        version moved (one script call; one per slot on a Cluster), each stamped (module docstring)."""
        if self.redis is None:
            return
        stamp = {tag: max([position, *(v.revision for v in views)]) for tag, views, _, position in items}
        await self.redis.write(
            [(tag, stamp_value(stamp[tag], _encoder.encode(views)), version, False) for tag, views, version, _ in items]
        )

    async def _from_database(self, queries: list[PersonQuery]) -> dict[str, Views]:
        async def read_from(engine: AsyncEngine, wanted: list[PersonQuery]) -> dict[str, Views]:
            async with self._slots, engine.connect() as conn:
                if len(wanted) == 1:
                    return {wanted[0].tag: await fetch_person(conn, wanted[0].digest)}
                by_digest = await fetch_persons(conn, [query.digest for query in wanted])
            return {query.tag: by_digest[query.digest] for query in wanted}

        async def read() -> dict[str, Views]:
            if not self._replica:
                return await read_from(self.database.read_engine, queries)
            primary = [query for query in queries if self._changed_lately(query.tag)]
            replica = [query for query in queries if not self._changed_lately(query.tag)]
            found = await read_from(self.database.read_engine, replica) if replica else {}
            primary += [q for q in replica if any(self.revisions.known(v.number) > v.revision for v in found[q.tag])]
            if primary:
                found.update(await read_from(self.database.primary_engine, primary))
            return found

        return await read_or_unavailable(read, within=self.db_timeout, retry_after=self.retry_after)

    def remember(self, tag: str, views: Sequence[CertificateView]) -> None:
        """Link each certificate number of a cached answer to the person's tag (see the module docstring)."""
        for view in views:
            self.cache.link(view.number, tag)

    async def changed(self, conn: AsyncConnection, numbers: Sequence[str]) -> None:
        """The change feed's hook: drop the answers of every person holding one of ``numbers``, and remember
        for each person the newest event the feed saw about their certificates (values stamped before it
        are stale from now on)."""
        holders = await digests_of(conn, numbers)
        tags = sorted({person_tag(digest) for digest in holders.values()})
        for number, digest in holders.items():
            self.revisions.saw(person_tag(digest), self.revisions.newest(number))
        if tags:
            self.cache.invalidate(tags)
            self._pending_drops.update(tags)
            now = time.monotonic()
            if len(self._recent) > _MAX_RECENT:
                self._recent = {t: at for t, at in self._recent.items() if now - at < RECENT_SECONDS}
            self._recent.update(dict.fromkeys(tags, now))
        await self.drop_pending()

    async def drop_pending(self) -> bool:
        """Delete the Redis values of dropped persons and bump their versions (retried on the next poll)."""
        if self.redis is None or not self._pending_drops:
            return True
        tags = sorted(self._pending_drops)
        if not await self.redis.drop(tags):
            return False
        self._pending_drops.difference_update(tags)
        # An answer read from Redis before the drop may have been filled in meanwhile: drop it again.
        self.cache.invalidate(tags)
        return True

    def _changed_lately(self, tag: str) -> bool:
        at = self._recent.get(tag)
        return at is not None and time.monotonic() - at < RECENT_SECONDS
