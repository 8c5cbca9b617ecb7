"""What the verify routes need at run time, built in the app's lifespan (never at import time).

One :class:`VerifyRuntime` per worker process, kept in ``app.state.verify``; route handlers get it through
the ``runtime`` dependency. Its background tasks: the change feed (always), and with Redis the invalidation
subscriber and the rate-limit sync. With Redis configured the in-process cache starts **off** and comes on
when the subscriber has subscribed (see :mod:`verify.cache.subscriber`).
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Coroutine, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from litestar import Litestar
from litestar.datastructures import State
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from registry.config import CacheSettings, Settings
from registry.db import Database
from registry.errors import ConflictError, NotFoundError
from registry.log.store import active_log_key
from registry.rules.profiles import get_profile
from registry.schema import check_database_schema
from verify.apikeys import ApiKeyResolver
from verify.cache.connect import RedisClient, redis_from_url
from verify.cache.feed import ChangeFeed
from verify.cache.invalidation import add_local_listener, remove_local_listener
from verify.cache.lru import ResponseCache
from verify.cache.redis_views import RedisGate, RedisViews
from verify.cache.subscriber import Subscriber
from verify.cache.viewstore import ViewStore
from verify.credentials import CredentialReads
from verify.http.fixed import FixedAnswers
from verify.http.keys import KeySetAnswers
from verify.http.pages import Pages
from verify.http.responses import RawResponse
from verify.keysets import KeySetCache
from verify.metrics import Metrics, multiprocess_dir
from verify.person.wiring import build_person_service, person_offered
from verify.ratelimit import RateLimiter, run_sync
from verify.service import Limits, ReadService
from verify.stats import RegistryStats, run_refresh, run_stats
from verify.tasks import cancel_and_wait

STATE_KEY = "verify"
#: How long closing waits for the change feed's poll in flight before cancelling it.
FEED_STOP_GRACE_SECONDS = 5.0

logger = logging.getLogger("certreg.verify.runtime")

# NEGATIVES_LIVE_AS_LONG: "no such certificate" is cached as long as a certificate's view (Redis and in
# process). Issuing announces new numbers like any change, and the change feed drops both levels for every
# ``certificate.issued`` event, so a new number is answered within a poll; a shorter life would only make an
# unknown number measurably slower than a wrong name on a known one (a timing side channel).
# ``negative_ttl_seconds`` is therefore not used by the verify service.


def response_cache(config: CacheSettings, *, with_redis: bool) -> ResponseCache[RawResponse]:
    """The in-process answer cache, built from the cache settings alone. With Redis it starts off and comes on
    when the invalidation subscriber has subscribed (before that, a change could be missed)."""
    cache = ResponseCache[RawResponse](max_entries=config.cache_max_entries, max_bytes=config.cache_max_bytes)
    cache.active = config.local_cache and not with_redis
    return cache


class VerifyRuntime:
    """Connections, caches and background tasks of one worker process; closed when the app shuts down."""

    def __init__(self, settings: Settings, database: Database, redis: RedisClient | None) -> None:
        self.settings = settings
        self.database = database
        self.redis = redis
        self.metrics = Metrics()
        self.stats = RegistryStats()
        self.gate = RedisGate()
        self.cache = response_cache(settings.cache, with_redis=redis is not None)
        self.keysets = KeySetCache()
        self.key_answers = KeySetAnswers(self.keysets, max_age=settings.cache.keys_max_age_seconds)
        self.limiter = RateLimiter(prefix=settings.redis.redis_prefix)
        self.api_keys = ApiKeyResolver(
            database,
            ttl=settings.cache.api_key_cache_seconds,
            db_timeout=settings.database.db_timeout_seconds,
            retry_after=settings.database.retry_after_seconds,
        )
        redis_views = (
            RedisViews(
                redis,
                prefix=settings.redis.redis_prefix,
                ttl=settings.cache.redis_ttl_seconds,
                negative_ttl=settings.cache.redis_ttl_seconds,  # NEGATIVES_LIVE_AS_LONG
                timeout=settings.redis.redis_timeout_seconds,
                gate=self.gate,
            )
            if redis is not None
            else None
        )
        self.views = ViewStore(
            database,
            redis_views if settings.cache.redis_cache else None,
            self.metrics,
            db_timeout=settings.database.db_timeout_seconds,
            retry_after=settings.database.retry_after_seconds,
            cache=self.cache,
        )
        self.credentials = CredentialReads(
            database, db_timeout=settings.database.db_timeout_seconds, retry_after=settings.database.retry_after_seconds
        )
        self.feed = ChangeFeed(
            database,
            self.cache,
            self.keysets,
            redis_views,
            self.metrics,
            views=self.views,
            interval=settings.cache.change_poll_seconds,
            timeout=settings.database.db_timeout_seconds,
            keyset_refresh=settings.cache.keyset_refresh_seconds,
        )
        self.subscriber = (
            Subscriber(
                settings.redis.redis_url,
                settings.redis.redis_prefix,
                self.cache,
                self.api_keys,
                self.metrics,
                timeout=settings.redis.redis_timeout_seconds,
                dead_after=settings.redis.redis_dead_after_seconds,
                on_connect=self._redis_back,
            )
            if settings.redis.redis_url and settings.cache.local_cache
            else None
        )
        profile = get_profile(settings.issuing.profile)
        pages = Pages(
            authority={
                "zh": f"{profile.name_zh}职业技能鉴定中心",
                "en": f"{profile.name_en} Vocational Skill Assessment Centre",
            },
            demo=settings.issuing.demo_mode,
            person_offered=person_offered(settings),
        )
        self.fixed = FixedAnswers(pages, retry_after_seconds=settings.database.retry_after_seconds)
        self.service = ReadService(
            profile=profile,
            cache=self.cache,
            views=self.views,
            keysets=self.keysets,
            limiter=self.limiter,
            metrics=self.metrics,
            pages=pages,
            fixed=self.fixed,
            limits=Limits(
                public_per_minute=settings.rate_limits.public_rate_per_minute,
                api_per_minute=settings.rate_limits.api_rate_per_minute,
                ttl=settings.cache.redis_ttl_seconds,
                negative_ttl=settings.cache.redis_ttl_seconds,  # NEGATIVES_LIVE_AS_LONG
            ),
        )
        self.person = build_person_service(
            settings, profile=profile, database=database, redis=redis, cache=self.cache, gate=self.gate,
            limiter=self.limiter, metrics=self.metrics, pages=pages, fixed=self.fixed, keysets=self.keysets,
            feed=self.feed,
        )  # fmt: skip
        self.service.person = self.person
        self._tasks: list[asyncio.Task[None]] = []
        self._froze = False  # whether start() froze the heap (then close() unfreezes it)
        self._declare_gauges()

    @classmethod
    def build(cls, settings: Settings) -> VerifyRuntime:
        database = Database(settings.database.database_url, read_url=settings.database.read_url)
        redis = (
            redis_from_url(
                settings.redis.redis_url,
                socket_timeout=settings.redis.redis_timeout_seconds,
                socket_connect_timeout=settings.redis.redis_timeout_seconds,
                retry=Retry(NoBackoff(), 0),
            )
            if settings.redis.redis_url
            else None
        )
        return cls(settings, database, redis)

    async def start(self) -> None:
        """Load the key set, position the change feed, start the background tasks; say in the log what an
        operator must put right for ``GET /v1/log/key`` (the public only reads "not available")."""
        await self.feed.start()
        try:
            active_log_key(self.keysets.keyset)
        except (NotFoundError, ConflictError) as exc:
            logger.warning("GET /v1/log/key 回答“不可用” / answers 'not available': %s", exc)
        add_local_listener(self._local_invalidation)
        jobs: list[Coroutine[Any, Any, None]] = [self.feed.run()]
        if self.subscriber is not None:
            jobs.append(self.subscriber.run())
        if self.redis is not None:
            timeout = self.settings.redis.redis_timeout_seconds
            jobs.append(
                run_sync(
                    self.limiter,
                    self.redis,
                    interval=self.settings.rate_limits.rate_sync_seconds,
                    seconds=timeout,
                    gate=self.gate,
                )
            )
        jobs.append(
            run_stats(
                self.stats,
                self.database,
                interval=self.settings.server.metrics_refresh_seconds,
                seconds=self.settings.database.db_timeout_seconds,
            )
        )
        if multiprocess_dir() is not None:
            jobs.append(run_refresh(self.metrics.refresh, interval=1.0))
        self._tasks = [asyncio.create_task(job) for job in jobs]
        # What exists now lives as long as the worker: keep it out of the collector's full passes, which would
        # otherwise walk every object of the app and show up as the slowest percent of requests. The garbage of
        # what came before is collected first, always, so that finalizers run here and not at a random moment
        # later (with the collection skipped, two verify apps' shutdown hung in two full test runs). When the
        # heap is already frozen (the test suite freezes its modules and collected tests once), only what is not
        # frozen is walked and nothing more is frozen: close() then has nothing of its own to unfreeze.
        self._froze = gc.get_freeze_count() == 0
        gc.collect()
        if self._froze:
            gc.freeze()

    async def _redis_back(self) -> None:
        """Redis answers again: drop pooled connections that died with the old server, stop skipping it."""
        if isinstance(self.redis, RedisCluster):
            for node in self.redis.get_nodes():  # a Cluster keeps one pool per node
                await node.disconnect_free_connections()
        elif self.redis is not None:
            await self.redis.connection_pool.disconnect(inuse_connections=False)
        self.gate.succeeded()

    def _local_invalidation(self, numbers: Sequence[str]) -> None:
        self.cache.invalidate(numbers)
        self.metrics.invalidations.labels("local").inc(len(numbers))

    def _declare_gauges(self) -> None:
        self.metrics.declare_all()
        self.metrics.gauge("certreg_verify_cache_entries", "Answers in the in-process cache.", lambda: len(self.cache))
        self.metrics.gauge(
            "certreg_verify_cache_bytes", "Bytes charged to the in-process cache.", lambda: self.cache.bytes
        )
        self.metrics.gauge(
            "certreg_verify_cache_active", "1 while the in-process cache is trusted.", lambda: float(self.cache.active)
        )
        self.metrics.gauge(
            "certreg_verify_redis_available",
            "0 while Redis is being skipped after a failure.",
            lambda: float(not self.gate.open),
            mode="min",
        )
        self.metrics.gauge(
            "certreg_db_pool_checked_out",
            "Database connections in use by the read path (summed over workers).",
            lambda: _checked_out(self.database),
        )
        self.metrics.gauge(
            "certreg_db_pool_size",
            "Connections the read path's pools hold open, in use or idle (summed over workers).",
            lambda: _pool_size(self.database),
        )
        self.metrics.gauge(
            "certreg_log_checkpoint_age_seconds",
            "Seconds since the newest signed checkpoint was made (-1: none yet).",
            self.stats.checkpoint_age,
            mode="max",
        )
        self.metrics.labelled_gauge(
            "certreg_batches", "Batches by state.", "state", lambda: self.stats.batches, mode="max"
        )
        self.metrics.labelled_gauge(
            "certreg_certificates_events",
            "Certificates issued and revoked, ever (events in the registry's log).",
            "event",
            lambda: self.stats.certificates,
            mode="max",
        )

    async def close(self) -> None:
        if self._froze:
            gc.unfreeze()
        remove_local_listener(self._local_invalidation)
        # The change feed (the first task) finishes its poll in flight, FEED_STOP_GRACE_SECONDS at most; the
        # other tasks are cancelled at once (none of them writes).
        self.feed.stop()
        if self._tasks:
            await asyncio.wait(self._tasks[:1], timeout=FEED_STOP_GRACE_SECONDS)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            await cancel_and_wait(task)  # a cancellation swallowed on the way is repeated (verify/tasks.py)
        if self.redis is not None:
            await self.redis.aclose()
        await self.database.dispose()


def _checked_out(database: Database) -> float:
    pool: Any = database.read_engine.pool
    return float(pool.checkedout()) if hasattr(pool, "checkedout") else 0.0


def _pool_size(database: Database) -> float:
    pool: Any = database.read_engine.pool
    return float(pool.checkedin() + pool.checkedout()) if hasattr(pool, "checkedin") else 0.0


def lifespan(settings: Settings) -> Any:
    """An app lifespan that builds the runtime, refuses an outdated schema, and closes it at the end."""

    @asynccontextmanager
    async def _lifespan(app: Litestar) -> AsyncIterator[None]:
        runtime = VerifyRuntime.build(settings)
        try:
            try:
                await check_database_schema(runtime.database)
                await runtime.start()
            except BaseException as exc:
                # A server may end a worker whose start-up failed without a word (uvicorn with several
                # workers did, issue 17): say why, on the worker's own log, before dying.
                logger.critical(
                    "worker start-up failed / 工作进程启动失败: %s: %s",
                    type(exc).__name__,
                    str(exc)[:500],
                    exc_info=exc,
                )
                raise
            app.state[STATE_KEY] = runtime
            yield
        finally:
            await runtime.close()

    return _lifespan


_T = TypeVar("_T")


def state_value(state: State, key: str, kind: type[_T]) -> _T:
    """What an app's lifespan stored under ``key``, as a ``kind`` (anything else is a wiring bug)."""
    value = state[key]
    assert isinstance(value, kind)
    return value


def provide_runtime(state: State) -> VerifyRuntime:
    return state_value(state, STATE_KEY, VerifyRuntime)
