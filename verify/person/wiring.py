"""Building the person look-up of one worker from the verify runtime's parts (see :mod:`verify.runtime`).

Kept here so that the runtime gains two lines: the look-up needs the id-hash key (an HMAC key, never a
data key; ``docs/identity.md``), and without one it is simply not offered (the person form and the API
mode answer 503 "not configured").
"""

from __future__ import annotations

from registry.config import Settings
from registry.db import Database
from registry.rules.policy import ProvinceProfile
from verify.cache.connect import RedisClient
from verify.cache.feed import ChangeFeed
from verify.cache.lru import ResponseCache
from verify.cache.redis_views import RedisGate
from verify.http.fixed import FixedAnswers
from verify.http.pages import Pages
from verify.http.responses import RawResponse
from verify.keysets import KeySetCache
from verify.metrics import Metrics
from verify.person.cache import PersonStore
from verify.person.pow import ProofOfWork, pow_key
from verify.person.render import PersonAnswers
from verify.person.service import PersonLimits, PersonService
from verify.ratelimit import RateLimiter


def person_offered(settings: Settings) -> bool:
    """Whether this deployment can look people up: only with the id-hash key (a replica or a verify-only app
    without it answers 503 "not offered", and its pages offer no such search)."""
    return bool(settings.keys.id_hash_key)


def build_person_service(
    settings: Settings,
    *,
    profile: ProvinceProfile,
    database: Database,
    redis: RedisClient | None,
    cache: ResponseCache[RawResponse],
    gate: RedisGate,
    limiter: RateLimiter,
    metrics: Metrics,
    pages: Pages,
    fixed: FixedAnswers,
    keysets: KeySetCache,
    feed: ChangeFeed,
) -> PersonService | None:
    """The worker's person look-up, hooked into the change feed; ``None`` without an id-hash key."""
    if not person_offered(settings):
        return None
    secret = settings.keys.id_hash_secret()
    store = PersonStore(
        database,
        redis if settings.cache.redis_cache else None,
        cache,
        prefix=settings.redis.redis_prefix,
        ttl=settings.cache.redis_ttl_seconds,
        timeout=settings.redis.redis_timeout_seconds,
        gate=gate,
        db_timeout=settings.database.db_timeout_seconds,
        retry_after=settings.database.retry_after_seconds,
        revisions=feed.revisions,
        metrics=metrics,
    )
    feed.on_changed = store.changed
    return PersonService(
        profile=profile,
        secret=secret,
        store=store,
        cache=cache,
        limiter=limiter,
        metrics=metrics,
        pages=pages,
        fixed=fixed,
        answers=PersonAnswers(pages=pages, keysets=keysets),
        pow=ProofOfWork(pow_key(secret), settings.rate_limits.person_pow_bits),
        limits=PersonLimits(
            per_ip=settings.rate_limits.person_rate_per_minute,
            per_ip_nojs=settings.rate_limits.person_nojs_rate_per_minute,
            per_id=settings.rate_limits.person_id_rate_per_minute,
            api_per_minute=settings.rate_limits.api_rate_per_minute,
            public_per_minute=settings.rate_limits.public_rate_per_minute,
            ttl=settings.cache.redis_ttl_seconds,
        ),
    )
