"""Throughput of the verify read path under one server process, against a bare litestar route.

What it measures (wrk, 64 connections, 2 threads; medians of ``--runs`` runs):

* ``floor GET`` / ``floor POST``: a bare litestar route of the same app returning fixed bytes (the same size
  as a verdict). The ratios are against ``floor GET``, the stricter of the two.
* ``verify hit``: ``POST /v1/verify`` answered from the in-process cache (``hit_ratio``, ``hit_p99_ms``).
* ``qr page hit``: ``GET /Q/{token}`` from the in-process cache.
* ``verify redis``: ``POST /v1/verify`` with the in-process cache off (``CERTREG_LOCAL_CACHE=false``), so every
  request reads and decodes the view from Redis and renders the answer (``redis_hit_ratio``); numbers rotate
  over ``REDIS_ROTATION`` certificates, each warmed into Redis first.
* ``verify miss pg``: both caches off, numbers rotating over ``--certificates`` certificates, so every
  request is a query on PostgreSQL (``miss_pg_ratio``).
* ``person hit``: ``POST /v1/verify`` with ``{name, id_type, id_number}`` answered from the in-process cache
  (``person_hit_ratio``, target ≥ 0.6): the document is still validated, indexed (HMAC) and rate-limited per
  address and per document on every request.
* ``person miss pg``: both caches off, documents rotating over ``PERSONS`` holders of one or two
  certificates each, so every request is the person query on PostgreSQL and waits for the fill floor
  (``person_miss_pg_ratio``, target ≥ 0.1).

Server: uvicorn, 1 worker, uvloop + httptools, no access log (granian's ASGI ``receive`` costs ~17 µs per
request body here, which would dominate every POST measurement). The registry lives in a PostgreSQL database
of its own (``certreg_bench_verify``, dropped at the end), Redis keys under the prefix ``certreg-bench``;
rate limits are set out of reach. Targets (2 cores): hit ≥ 0.8× floor with p99 ≤ 10 ms, Redis hit ≥ 0.3×,
miss ≥ 0.1×. The last line printed is one JSON object. Run: ``.venv/bin/python -m bench.verify``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path
from typing import Final

import msgspec
from litestar import Litestar, MediaType, get, post

from bench.wrk import Sample, run_wrk
from issuer.checkpoints import publish_checkpoint
from registry.db import Database
from registry.rules.checkdigits import mod11_2
from tests.factories import HOLDER_IDS, add_keys, issue_test_certificates, key_store, seed_world
from tests.support import ID_HASH_KEY, drop_pg_database, make_settings, migrated_pg_database
from verify.app import create_app

PG_ADMIN: Final = os.environ.get("PG_BENCH_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
REDIS_URL: Final = os.environ.get("REDIS_BENCH_URL", "redis://127.0.0.1:6379/12")
#: Distinct numbers the Redis run rotates over (all warmed into Redis first): one hot number would measure
#: one Redis key and one decoded view, not the shared level under a spread of numbers.
REDIS_ROTATION: Final = 2000
#: The bench database (created and dropped by the bench): name it after your branch when several run at once.
DB_NAME: Final = os.environ.get("PG_BENCH_DB", "certreg_bench_verify")
PREFIX: Final = "certreg-bench"
#: Holders of their own (one certificate each, every third of them a second one) for the person look-ups.
PERSONS: Final = 2000
PORT: Final = 18731
FLOOR_BODY: Final = b'{"result":"valid","padding":"' + b"x" * 760 + b'"}'


@get("/bench/floor", media_type=MediaType.JSON, include_in_schema=False)
async def floor_get() -> bytes:
    return FLOOR_BODY


@post("/bench/floor", media_type=MediaType.JSON, status_code=200, include_in_schema=False)
async def floor_post() -> bytes:
    return FLOOR_BODY


def bench_app() -> Litestar:
    """The verify app (settings from ``CERTREG_*``) with the floor routes added; uvicorn's factory."""
    app = create_app()
    app.register(floor_get)
    app.register(floor_post)
    return app


class Certificate(msgspec.Struct, frozen=True):
    number: str
    name: str
    token: str


class Person(msgspec.Struct, frozen=True):
    name: str
    id_number: str


def resident_ids(start: int, count: int) -> list[str]:
    """``count`` distinct valid resident ID numbers (GB 11643)."""
    numbers = []
    for i in range(start, start + count):
        body = f"430102{(date(1950, 1, 1) + timedelta(days=i)):%Y%m%d}{i % 1000:03d}"
        numbers.append(body + mod11_2(body))
    return numbers


async def _prepare(count: int) -> tuple[str, list[Certificate], list[Person]]:
    url = await migrated_pg_database(PG_ADMIN, DB_NAME)
    database = Database(url)
    await seed_world(database)
    store = key_store(Path(tempfile.mkdtemp(prefix="bench-keys-")))
    await add_keys(database, store)
    made: list[Certificate] = []
    for start in range(0, count, 2000):
        holders = [(f"测试{i:05d}", HOLDER_IDS[i % len(HOLDER_IDS)]) for i in range(start, min(count, start + 2000))]
        made += [
            Certificate(c.number, c.holder_name, c.token)
            for c in await issue_test_certificates(database, store, holders)
        ]
    persons = [Person(f"持证人{i:04d}", number) for i, number in enumerate(resident_ids(0, PERSONS))]
    holders = [(p.name, p.id_number) for p in persons] + [(p.name, p.id_number) for p in persons[::3]]
    await issue_test_certificates(database, store, holders)
    # a signed checkpoint covers them, so every answer carries an inclusion proof (built on a miss)
    await publish_checkpoint(database, store, make_settings(log_origin="bench.example/log"))
    await database.dispose()
    return url, made, persons


async def _drop() -> None:
    await drop_pg_database(PG_ADMIN, DB_NAME)


def _clear_redis() -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{PREFIX}:*", count=1000):
        client.delete(key)
    client.close()


class Server:
    """``uvicorn bench.verify:bench_app`` with one worker and the given settings."""

    def __init__(self, db_url: str, **settings: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CERTREG_")}
        env |= {
            "CERTREG_DATABASE_URL": db_url,
            "CERTREG_REDIS_PREFIX": PREFIX,
            "CERTREG_PUBLIC_RATE_PER_MINUTE": "1000000000",
            "CERTREG_API_RATE_PER_MINUTE": "1000000000",
            "CERTREG_PERSON_RATE_PER_MINUTE": "1000000000",
            "CERTREG_PERSON_ID_RATE_PER_MINUTE": "1000000000",
            "CERTREG_ID_HASH_KEY": ID_HASH_KEY,
            "CERTREG_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
        }
        env |= {f"CERTREG_{k.upper()}": v for k, v in settings.items()}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "bench.verify:bench_app", "--factory", "--port", str(PORT),
             "--workers", "1", "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning"],
            env=env,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/health/live", timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("the server did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=15)


def _post_body(cert: Certificate) -> str:
    return json.dumps({"number": cert.number, "name": cert.name}, ensure_ascii=False)


def _person_body(person: Person) -> str:
    body = {"name": person.name, "id_type": "resident_id", "id_number": person.id_number}
    return json.dumps(body, ensure_ascii=False)


def _warm(path: str, body: str | None = None) -> None:
    data = body.encode() if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", data=data, method="POST" if data else "GET")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200, response.status
        response.read()


def one_run(db_url: str, certs: list[Certificate], persons: list[Person], seconds: int) -> dict[str, Sample]:
    """Every contender once; returns name -> sample."""
    url = f"http://127.0.0.1:{PORT}"
    hot = certs[0]
    out: dict[str, Sample] = {}
    server = Server(db_url, redis_url=REDIS_URL)
    try:
        _warm("/v1/verify", _post_body(hot))
        _warm(f"/Q/{hot.token}")
        _warm("/v1/verify", _person_body(persons[0]))
        out["floor GET"] = run_wrk(f"{url}/bench/floor", seconds=seconds)
        out["floor POST"] = run_wrk(f"{url}/bench/floor", seconds=seconds, bodies=[_post_body(hot)])
        out["verify hit"] = run_wrk(f"{url}/v1/verify", seconds=seconds, bodies=[_post_body(hot)])
        out["qr page hit"] = run_wrk(f"{url}/Q/{hot.token}", seconds=seconds)
        out["person hit"] = run_wrk(f"{url}/v1/verify", seconds=seconds, bodies=[_person_body(persons[0])])
    finally:
        server.stop()
    server = Server(db_url, redis_url=REDIS_URL, local_cache="false")
    try:
        rotating = certs[:REDIS_ROTATION]
        for cert in rotating:  # each view read from the database once and written to Redis
            _warm("/v1/verify", _post_body(cert))
        out["verify redis"] = run_wrk(f"{url}/v1/verify", seconds=seconds, bodies=[_post_body(c) for c in rotating])
    finally:
        server.stop()
    server = Server(db_url, local_cache="false", redis_cache="false")
    try:
        out["verify miss pg"] = run_wrk(f"{url}/v1/verify", seconds=seconds, bodies=[_post_body(c) for c in certs])
        out["person miss pg"] = run_wrk(f"{url}/v1/verify", seconds=seconds, bodies=[_person_body(p) for p in persons])
    finally:
        server.stop()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--certificates", type=int, default=20_000)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install -y wrk)")
    db_url, certs, persons = asyncio.run(_prepare(args.certificates))
    runs: list[dict[str, Sample]] = []
    try:
        for run in range(args.runs):
            _clear_redis()
            runs.append(one_run(db_url, certs, persons, args.seconds))
            print(f"run {run + 1}/{args.runs} done", file=sys.stderr)
    finally:
        _clear_redis()
        asyncio.run(_drop())
    report(runs)


def report(runs: list[dict[str, Sample]]) -> None:
    names = list(runs[0])
    median = {n: Sample.median([r[n] for r in runs]) for n in names}
    floor = median["floor GET"].rps
    print(f"{'contender':<16} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>7}   (medians of {len(runs)} runs)")
    for name in names:
        s = median[name]
        print(f"{name:<16} {s.rps:>10.0f} {s.p50_ms:>8.2f} {s.p99_ms:>8.2f} {s.rps / floor:>7.2f}")
    print(
        json.dumps(
            {
                "hit_ratio": round(median["verify hit"].rps / floor, 3),
                "hit_p99_ms": round(median["verify hit"].p99_ms, 2),
                "redis_hit_ratio": round(median["verify redis"].rps / floor, 3),
                "miss_pg_ratio": round(median["verify miss pg"].rps / floor, 3),
                "person_hit_ratio": round(median["person hit"].rps / floor, 3),
                "person_miss_pg_ratio": round(median["person miss pg"].rps / floor, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
