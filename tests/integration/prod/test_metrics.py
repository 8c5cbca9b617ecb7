"""Metrics across workers: ``certreg serve --workers 2``, N requests, one scrape says N (issue 17: every
scrape used to see one worker's counters), on the public port and on the separate metrics port."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import httpx
import pytest

from tests.integration.prod.processes import CertregServe
from tests.integration.verify.servers import free_port, wait_for
from tests.integration.verify.world import World

pytestmark = pytest.mark.slow

N = 40


class TwoWorkers(CertregServe):
    def command(self) -> list[str]:
        return [*super().command(), "--workers", "2"]


def series(text: str, name: str, **labels: str) -> float:
    """The value of one series of a Prometheus text exposition (labels in any order)."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0])) if "{" in line else {}
        if found == labels:
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no series {name}{labels} in the scrape")


async def test_two_workers_n_requests_one_scrape_says_n(file_world: World, tmp_path: Path) -> None:
    world = file_world
    metrics_port = free_port()
    settings = {
        "database_url": world.database.url,
        "public_rate_per_minute": 1_000_000,
        "metrics_dir": str(tmp_path),
        "metrics_port": metrics_port,
        "metrics_refresh_seconds": 0.2,
    }
    with TwoWorkers(**settings) as server:
        wait_for("both workers to have started", lambda: len(_worker_pids(tmp_path)) == 2, timeout=30)
        for _ in range(N):  # a new connection each time, so that both workers take some
            async with httpx.AsyncClient(timeout=10) as client:
                response = await client.post(
                    f"{server.url}/v1/verify", json={"number": world.valid.number, "name": "张三"}
                )
                assert response.status_code == 200
        pids = _worker_pids(tmp_path)
        async with httpx.AsyncClient(timeout=10) as client:
            scrape = await _counted(client, f"{server.url}/metrics")
            separate = await _counted(client, f"http://127.0.0.1:{metrics_port}/metrics")
    assert len(pids) == 2, "two worker processes wrote metrics"
    for text in (scrape, separate):
        assert series(text, "certreg_http_requests_total", method="POST", route="/v1/verify", status="200") == N
        assert series(text, "certreg_http_request_duration_seconds_count", route="/v1/verify") == N
        assert series(text, "certreg_verify_requests_total", route="verify") == N
        hits = series(text, "certreg_verify_cache_total", level="local", outcome="hit")
        misses = series(text, "certreg_verify_cache_total", level="local", outcome="miss")
        assert hits + misses == N
        assert series(text, "certreg_certificates_events", event="issued") >= 3
        assert series(text, "certreg_certificates_events", event="revoked") >= 1
        assert series(text, "certreg_log_checkpoint_age_seconds") >= -1
        assert series(text, "certreg_db_pool_checked_out") >= 0
        assert "certreg_verify_rate_limited_total" in text or "certreg_verify_rate_limited" in text
    assert not _run_directories(tmp_path), "the per-run directory is removed when the server stops"


async def _counted(client: httpx.AsyncClient, url: str) -> str:
    """A scrape of ``url`` once it counts the ``N`` requests (or the last one after 10 s).

    A worker counts a request after it has sent the answer (:mod:`verify.http.edge`): on a loaded machine the
    client can have the last answer, and another worker serve the scrape, before the first worker has run
    again to count it. A worker whose counters the scrape missed would still be missing after 10 s.
    """
    deadline = time.monotonic() + 10
    while True:
        text = (await client.get(url)).text
        if series(text, "certreg_http_requests_total", method="POST", route="/v1/verify", status="200") >= N:
            return text
        if time.monotonic() > deadline:
            return text
        await asyncio.sleep(0.05)


def _run_directories(directory: Path) -> list[Path]:
    return list(directory.glob("certreg-metrics-*"))


def _worker_pids(directory: Path) -> set[str]:
    return {
        match.group(1)
        for sub in _run_directories(directory)
        for path in sub.glob("*.db")
        if (match := re.search(r"_(\d+)\.db$", path.name))
    }
