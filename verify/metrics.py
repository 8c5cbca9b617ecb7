"""Prometheus metrics (``GET /metrics``): HTTP requests and latency per route template, cache levels,
verdicts, rate limits, database pool use, the registry's own state (checkpoint age, batches by state,
certificates issued and revoked).

**Across workers.** A server runs several worker processes and a scrape reaches one of them. With
``PROMETHEUS_MULTIPROC_DIR`` set (``certreg serve`` makes a fresh directory per run; docs/operations.md
says how for granian) prometheus_client's multiprocess mode is on: every worker writes its values to
files there and a scrape reads all of them, so counters and histograms are the sum over workers and
gauges are combined as each one says (``livesum`` for what every worker holds, ``max`` for the registry's
state, which every worker reads alike). Gauges are refreshed by :meth:`Metrics.refresh` every second and
before a scrape; without the directory they are read at scrape time, per process, as before.

Each app has its own registry (tests build several apps in one process). Label children are bound once
here, so counting on the hot path is one ``inc()``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Final, Literal

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
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
#: Latency buckets (seconds) of the HTTP histogram: a cache hit is ~1 ms, a miss ~10 ms, a batch up to seconds.
LATENCY_BUCKETS: Final = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
GaugeMode = Literal["livesum", "max", "min", "mostrecent"]


def multiprocess_dir() -> str | None:
    """The directory of prometheus_client's multiprocess mode, when the process runs in it."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


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
        self.http_requests = Counter(
            "certreg_http_requests",
            "HTTP requests by method, route template and status code.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.http_latency = Histogram(
            "certreg_http_request_duration_seconds",
            "Time from the request's arrival to its last byte sent, by route template.",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self._gauges: list[tuple[Gauge, Callable[[], float]]] = []
        self._labelled: list[tuple[Gauge, Callable[[], dict[str, float]]]] = []
        self.route = {name: self.requests.labels(name) for name in ROUTES}
        self.local_hit = self.cache.labels("local", "hit")
        self.local_miss = self.cache.labels("local", "miss")
        self.redis_hit = self.cache.labels("redis", "hit")
        self.redis_miss = self.cache.labels("redis", "miss")
        #: Redis held a value older than an event this worker has seen (a stalled or lagging Redis).
        self.redis_stale = self.cache.labels("redis", "stale")
        self.redis_error = self.cache.labels("redis", "error")
        self.db_query = self.database.labels("query")
        #: Certificates the replica had not caught up on, read from the primary instead.
        self.replica_behind = self.database.labels("replica_behind")
        self.db_error = self.database.labels("error")

    def verdict(self, answer: Answer) -> Callable[[], None]:
        """The bound ``inc`` of ``answer``'s verdict counter (kept in cache entries for their hits)."""
        return self.verdicts.labels(answer.result.value, answer.reason).inc

    def observe_http(self, method: str, route: str, status: int, seconds: float) -> None:
        """One finished request (the edge middleware's observer, :mod:`verify.http.edge`)."""
        self.http_requests.labels(method, route, str(status)).inc()
        self.http_latency.labels(route).observe(seconds)

    def gauge(self, name: str, documentation: str, read: Callable[[], float], mode: GaugeMode = "livesum") -> None:
        """A gauge whose value is ``read()`` (cache size, pool use, subscriber state); ``mode`` says how the
        workers' values combine in multiprocess mode."""
        gauge = Gauge(name, documentation, registry=self.registry, multiprocess_mode=mode)
        if multiprocess_dir() is None:
            gauge.set_function(read)
        else:
            self._gauges.append((gauge, read))

    def labelled_gauge(
        self, name: str, documentation: str, label: str, read: Callable[[], dict[str, float]], mode: GaugeMode = "max"
    ) -> None:
        """A gauge with one label whose values ``read()`` returns (batches by state); set by :meth:`refresh`."""
        gauge = Gauge(name, documentation, [label], registry=self.registry, multiprocess_mode=mode)
        self._labelled.append((gauge, read))

    def refresh(self) -> None:
        """Copy the current values into the gauges that are not read at scrape time."""
        for gauge, read in self._gauges:
            gauge.set(read())
        for labelled, values in self._labelled:
            for value_label, value in values().items():
                labelled.labels(value_label).set(value)

    def declare_all(self) -> None:
        """Create every verdict and refusal series at zero so dashboards see them before the first one."""
        for scope in ("ip", "api_key"):
            self.rate_limited.labels(scope)
        for result in Result:
            for reason in REASON_TEXTS:
                if _plausible(result, reason):
                    self.verdicts.labels(result.value, reason)

    def render(self) -> bytes:
        """The Prometheus text of every worker (multiprocess mode) or of this process."""
        self.refresh()
        directory = multiprocess_dir()
        if directory is None:
            return bytes(generate_latest(self.registry))
        combined = CollectorRegistry()
        multiprocess.MultiProcessCollector(combined, path=directory)  # type: ignore[no-untyped-call]
        return bytes(generate_latest(combined))


def _plausible(result: Result, reason: str) -> bool:
    fixed = {Result.VALID: "valid", Result.REVOKED: "revoked", Result.NOT_FOUND: "not_found"}
    if result in fixed:
        return reason == fixed[result]
    if result is Result.SUPERSEDED:
        return reason in ("reissued", "replaced")
    if result is Result.INVALID_NUMBER:
        return reason == "invalid_number"
    return reason not in ("valid", "revoked", "reissued", "replaced", "not_found", "invalid_number")
