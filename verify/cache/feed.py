"""The change feed: every worker reads the new events of the log, the registry's own record of change.

Pub/sub tells workers within milliseconds, but only if the writer reached Redis and the worker was
listening. The feed is what makes "never served stale for longer than about a second" hold regardless: every
``change_poll_seconds`` a worker reads the events after the last one it saw (one primary-key range query
that almost always returns nothing; event indices are handed out under a lock in commit order, so none is
skipped) and

* drops its in-process answers about every certificate named by an event that changes its answer
  (:data:`ANSWER_EVENT_KINDS`: issued, revoked, reissued, replaced, reprinted);
* also deletes the Redis view and bumps its version (retried until Redis takes it), in case the writer
  could not. Issues too: "no such certificate" is cached as long as a view (so an unknown number costs
  what a known one does, and the two cannot be told apart by timing), and this is what ends it;
* on a ``key.*`` event reloads the key set and, if it changed, clears the in-process cache (verdicts on
  tokens depend on it). The key set is also reloaded every ``keyset_refresh_seconds``;
* when the log has a newer signed checkpoint, clears the in-process cache and tells the view store, so
  every answer carries an inclusion proof against the latest checkpoint (older cached views are rebuilt
  on their next request).

Without Redis (the embedded all-in-one default) the feed is how other workers hear of changes. While the
database is down the feed waits; cached answers stay (nothing can change in a database that is down).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncConnection

from registry.certificates import STATUS_EVENT_KINDS
from registry.db import Database
from registry.events import EventKind
from verify.cache.lru import ResponseCache
from verify.cache.redis_views import RedisViews
from verify.cache.revisions import Revisions
from verify.cache.viewstore import ViewStore
from verify.errors import DATABASE_ERRORS
from verify.keysets import KeySetCache
from verify.metrics import Metrics
from verify.queries import events_after, last_event_index, latest_checkpoint_size

logger = logging.getLogger("certreg.verify.feed")

PAGE: Final = 5000
#: The certificate events a verify answer reflects: a view (``verify/queries.py``) is built from the issue,
#: the status events and the newest print, and its ``revision`` is the newest of their indexes. The other
#: ``certificate.*`` events change no answer — a document handed out (one per PDF download), a credential
#: backfilled (served uncached), an imported certificate's origin (committed with its issue) — and taking them
#: as changes dropped cached answers and, since no view's revision reaches their index, sent every later load
#: of that number to the primary instead of the replica (the view store's lagging-replica check).
ANSWER_EVENT_KINDS: Final = frozenset(
    {EventKind.CERTIFICATE_ISSUED.value, *STATUS_EVENT_KINDS, EventKind.CERTIFICATE_REPRINTED.value}
)
REDIS_CHUNK: Final = 500


@dataclass(eq=False, repr=False)
class ChangeFeed:
    """Polls the event table and applies what it finds to the caches of this worker."""

    database: Database
    cache: ResponseCache[Any]
    keysets: KeySetCache
    redis: RedisViews | None
    metrics: Metrics
    _: KW_ONLY
    views: ViewStore
    interval: float
    timeout: float
    keyset_refresh: float
    last: int = field(default=-1, init=False)
    #: Told every changed certificate number, on the feed's connection (the person look-up maps them to
    #: holders, :meth:`verify.person.cache.PersonStore.changed`).
    on_changed: Callable[[AsyncConnection, Sequence[str]], Awaitable[None]] | None = field(default=None, init=False)
    _redis_pending: set[str] = field(default_factory=set, init=False)
    _failing: bool = field(default=False, init=False)
    _stopping: asyncio.Event = field(default_factory=asyncio.Event, init=False)

    def __post_init__(self) -> None:
        #: The feed's position and the newest event per number, shared with the view store.
        self.revisions: Revisions = self.views.revisions

    async def start(self) -> None:
        """Load the key set and start after the newest event; raises what the database raises."""
        await self.keysets.load(self.database, seconds=self.timeout)
        async with asyncio.timeout(self.timeout), self.database.primary_engine.connect() as conn:
            self.last = await last_event_index(conn)
            self.revisions.start(self.last)
        async with asyncio.timeout(self.timeout), self.database.read_engine.connect() as conn:
            self.views.checkpoint_size = await latest_checkpoint_size(conn)

    async def run(self) -> None:
        """Poll until :meth:`stop` (or cancelled); database failures are logged once per outage and retried."""
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.interval)
            if self._stopping.is_set():
                return
            try:
                await self.poll()
            except DATABASE_ERRORS as exc:
                if not self._failing:
                    # the type only: a driver's text can quote a row's values
                    reason = type(exc).__name__
                    logger.warning("change feed cannot read the database (%s); keeping cached answers", reason)
                self._failing = True
            else:
                self._failing = False

    def stop(self) -> None:
        """Let :meth:`run` return after the poll in flight: a poll cancelled half-way would leave its
        connection to the garbage collector (on SQLite, an unclosed file handle until then)."""
        self._stopping.set()

    async def poll(self) -> None:
        """Apply every event after the last one seen."""
        keys_changed = False
        # Events come from the primary (``database_url``), not the replica: a lagging replica must not hide a
        # revocation from this worker; the view store then reads that certificate from the primary too.
        async with asyncio.timeout(self.timeout), self.database.primary_engine.connect() as conn:
            while True:
                rows = await events_after(conn, self.last, PAGE)
                keys_changed |= self._apply(rows)
                if self.on_changed is not None:
                    changed = [subject for _, kind, subject in rows if kind in ANSWER_EVENT_KINDS]
                    if changed:
                        await self.on_changed(conn, changed)
                if len(rows) < PAGE:
                    break
        async with asyncio.timeout(self.timeout), self.database.read_engine.connect() as conn:
            self._checkpoint(await latest_checkpoint_size(conn))
        await self._drop_redis()
        if (keys_changed or self.keysets.stale(self.keyset_refresh)) and await self.keysets.load(
            self.database, seconds=self.timeout
        ):
            logger.info("key set changed; in-process cache cleared")
            self.cache.clear()

    def _apply(self, rows: list[tuple[int, str, str]]) -> bool:
        changed: list[str] = []
        keys_changed = False
        for idx, kind, subject in rows:
            self.last = max(self.last, idx)
            if kind in ANSWER_EVENT_KINDS:
                changed.append(subject)
                self._redis_pending.add(subject)
                self.revisions.saw(subject, idx)
            elif kind.startswith("key."):
                keys_changed = True
        self.revisions.advance(self.last)
        if changed:
            self.cache.invalidate(changed)
            self.metrics.invalidations.labels("feed").inc(len(changed))
        return keys_changed

    def _checkpoint(self, size: int) -> None:
        if size > self.views.checkpoint_size:
            self.views.checkpoint_size = size
            self.cache.clear()

    async def _drop_redis(self) -> None:
        if self.redis is None or not self._redis_pending:
            return
        numbers = sorted(self._redis_pending)
        for start in range(0, len(numbers), REDIS_CHUNK):
            chunk = numbers[start : start + REDIS_CHUNK]
            if not await self.redis.drop(chunk):
                return
            self._redis_pending.difference_update(chunk)
            # What a request read from Redis before the drop may have been filled into this worker's level
            # meanwhile: drop it again, so the in-process level never outlives the Redis level it came from.
            self.cache.invalidate(chunk)
