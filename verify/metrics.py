"""Prometheus metrics of the read path (``GET /metrics``): requests, cache levels, verdicts, rate limits.

Each app has its own registry (tests build several apps in one process). Metrics are per worker process;
scrape every worker (or run the server with one worker per container), as for any Python service without
prometheus_client's multiprocess mode. Label children are bound once here, so counting on the hot path is
one ``inc()``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from prometheus_client import CollectorRegistry, Counter, Gauge, disable_created_metrics, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from verify.answers import REASON_TEXTS, Answer, Result

CONTENT_TYPE: Final = CONTENT_TYPE_LATEST.encode()
ROUTES: Final = (
    "qr_page",
    "qr_json",
    "query_page",
    "short_page",
    "verify",
    "verify_batch",
    "keys",
    "certificate",
    "credentials",
    "qr_credential",
    "did",
    "status_list",
)


class Metrics:
    """Counters and gauges of one app."""

    def __init__(self) -> None:
        # The *_created series would only double the output of a per-process counter set.
        disable_created_metrics()  # type: ignore[no-untyped-call]
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "certreg_verify_requests", "Requests on the verify routes.", ["route"], registry=self.registry
        )
        self.cache = Counter(
            "certreg_verify_cache",
            "Cache look-ups per level (local = in-process answers, redis = shared views) and outcome.",
            ["level", "outcome"],
            registry=self.registry,
        )
        self.verdicts = Counter(
            "certreg_verify_verdicts",
            "Answers given, by result and reason.",
            ["result", "reason"],
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "certreg_verify_rate_limited", "Requests refused with 429, by scope.", ["scope"], registry=self.registry
        )
        self.database = Counter(
            "certreg_verify_database",
            "Database look-ups of the read path, by outcome.",
            ["outcome"],
            registry=self.registry,
        )
        self.invalidations = Counter(
            "certreg_verify_invalidations",
            "Certificate numbers dropped from the in-process cache, by source.",
            ["source"],
            registry=self.registry,
        )
        self.route = {name: self.requests.labels(name) for name in ROUTES}
        self.local_hit = self.cache.labels("local", "hit")
        self.local_miss = self.cache.labels("local", "miss")
        self.redis_hit = self.cache.labels("redis", "hit")
        self.redis_miss = self.cache.labels("redis", "miss")
        #: Redis held a value older than an event this worker has seen (a stalled or lagging Redis).
        self.redis_stale = self.cache.labels("redis", "stale")
        self.redis_error = self.cache.labels("redis", "error")
        self.db_query = self.database.labels("query")
        self.db_error = self.database.labels("error")

    def verdict(self, answer: Answer) -> Callable[[], None]:
        """The bound ``inc`` of ``answer``'s verdict counter (kept in cache entries for their hits)."""
        return self.verdicts.labels(answer.result.value, answer.reason).inc

    def gauge(self, name: str, documentation: str, read: Callable[[], float]) -> None:
        """A gauge read at scrape time (cache size, subscriber state)."""
        Gauge(name, documentation, registry=self.registry).set_function(read)

    def declare_all(self) -> None:
        """Create every verdict series at zero so dashboards see them before the first occurrence."""
        for result in Result:
            for reason in REASON_TEXTS:
                if _plausible(result, reason):
                    self.verdicts.labels(result.value, reason)

    def render(self) -> bytes:
        return bytes(generate_latest(self.registry))


def _plausible(result: Result, reason: str) -> bool:
    fixed = {Result.VALID: "valid", Result.REVOKED: "revoked", Result.NOT_FOUND: "not_found"}
    if result in fixed:
        return reason == fixed[result]
    if result is Result.SUPERSEDED:
        return reason in ("reissued", "replaced")
    if result is Result.INVALID_NUMBER:
        return reason == "invalid_number"
    return reason not in ("valid", "revoked", "reissued", "replaced", "not_found", "invalid_number")
