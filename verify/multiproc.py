"""A per-run directory for prometheus_client's multiprocess mode (:mod:`verify.metrics`), made by the process
that starts the workers, before any of them exists.

The directory must be new for each run: values left by a previous run's workers would be added to this
run's. The workers inherit ``PROMETHEUS_MULTIPROC_DIR`` through the environment; the starting process also
switches its own prometheus_client over (a single worker runs in it), and may serve the combined metrics on a
port of their own.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

ENV: str = "PROMETHEUS_MULTIPROC_DIR"


@contextlib.contextmanager
def metrics_directory(parent: str | None) -> Iterator[str]:
    """Make a fresh directory under ``parent`` (default: the system's temporary one), point this process and
    its future children at it, and remove it at the end."""
    directory = tempfile.mkdtemp(prefix="certreg-metrics-", dir=parent)
    previous = os.environ.get(ENV)
    os.environ[ENV] = directory
    from prometheus_client import values

    # chosen when prometheus_client was first imported (the CLI may have imported it already)
    values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]
    try:
        yield directory
    finally:
        if previous is None:
            os.environ.pop(ENV, None)
        else:
            os.environ[ENV] = previous
        shutil.rmtree(directory, ignore_errors=True)


def serve_metrics(port: int, host: str, directory: str) -> Any:
    """Serve the combined metrics of every worker on ``host:port`` (a thread of this process)."""
    from prometheus_client import CollectorRegistry, multiprocess, start_http_server

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    return start_http_server(port, addr=host, registry=registry)
