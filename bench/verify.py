"""Throughput of the verify read path under one server process, against a bare litestar route.

What it measures (wrk, 64 connections, 2 threads; medians of ``--runs`` runs):

* ``floor GET`` / ``floor POST``: a bare litestar route of the same app returning fixed bytes (the same size
  as a verdict). The ratios are against ``floor GET``, the stricter of the two.
* ``verify hit``: ``POST /v1/verify`` answered from the in-process cache (``hit_ratio``, ``hit_p99_ms``).
* ``qr page hit``: ``GET /Q/{token}`` from the in-process cache.
* ``verify redis``: ``POST /v1/verify`` with the in-process cache off (``CERTREG_LOCAL_CACHE=false``), so every
  request reads and decodes the view from Redis and renders the answer (``redis_hit_ratio``); numbers rotate
  over ``REDIS_ROTATION`` certificates, each warmed into Redis first.
* ``verify miss pg``: both caches off, numbers rotating in order over ``--certificates`` certificates, so
  every request is a query on PostgreSQL (``miss_pg_ratio``). Consecutive numbers share their log blocks and
  index pages, which flatters the read path.
* ``verify miss random``: both caches off, ``RANDOM_SAMPLE`` certificates drawn at random from the whole
  registry (``miss_random_ratio``): what a cold look-up costs when people ask about any certificate.
* ``person hit``: ``POST /v1/verify`` with ``{name, id_type, id_number}`` answered from the in-process cache
  (``person_hit_ratio``, target ≥ 0.6): the document is still validated, indexed (HMAC) and rate-limited per
  address and per document on every request.
* ``person miss pg``: both caches off, documents rotating over ``PERSONS`` holders of one or two
  certificates each, so every request is the person query on PostgreSQL and waits for the fill floor
  (``person_miss_pg_ratio``, target ≥ 0.1). It was the least steady figure (0.06–0.15), so it is measured
  ``PERSON_REPEATS`` times per run, each right after the floor route of the same server (``person miss
  floor``), and its ratio is the median of those paired ratios over every run: a machine whose load drifts
  between the first server's floor and the last server's misses moves both halves of a pair alike. Both
  person rows need a scratch registry (the holders are issued with it); with ``--registry`` they are left
  out and their ratios are ``null``.

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
import random
import statistics
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Final

import msgspec
from litestar import Litestar, MediaType, get, post
from sqlalchemy import text

from bench.database import ScratchDatabase, add_arguments, free_port, reusable_database, scratch_name
from bench.flags import bench_parser
from bench.servers import UvicornServer
from bench.wrk import Sample, require_wrk, run_wrk
from issuer.checkpoints import publish_checkpoint
from registry.db import Database
from registry.qrtoken import encode_token
from tests.factories import HOLDER_IDS, add_keys, issue_test_certificates, key_store, seed_world
from tests.factories.world import resident_id
from tests.support import ID_HASH_KEY, make_settings
from verify.app import create_app

#: Distinct numbers the Redis run rotates over (all warmed into Redis first): one hot number would measure
#: one Redis key and one decoded view, not the shared level under a spread of numbers.
REDIS_ROTATION: Final = 2000
#: Certificates drawn at random for the random-miss run (each asked about about once per run).
RANDOM_SAMPLE: Final = 20_000
PREFIX: Final = f"certreg-bench-{os.getpid()}"
#: Holders of their own (one certificate each, every third of them a second one) for the person look-ups.
PERSONS: Final = 2000
#: Paired (floor, person miss) measurements per run (see the module docstring).
PERSON_REPEATS: Final = 3
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
    return [resident_id(n) for n in range(start, start + count)]


async def _prepare(url: str, count: int) -> tuple[list[Certificate], list[Person]]:
    """Issue ``count`` certificates into the fresh database at ``url`` and sign a checkpoint over them."""
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
    return made, persons


async def sample_certificates(url: str, count: int, *, seed: int = 12) -> list[Certificate]:
    """``count`` certificates drawn uniformly at random from the registry at ``url`` (numbers, names, tokens).

    Draws by position in the primary-key order (``OFFSET`` of random ranks would scan), so that the sample
    covers the whole registry rather than the consecutive numbers of one batch.
    """
    async with Database(url) as database, database.read_engine.connect() as conn:
        total = int(await conn.scalar(text("SELECT count(*) FROM certificate")) or 0)
        ranks = sorted(random.Random(seed).sample(range(total), min(count, total)))
        rows = (
            await conn.execute(
                text(
                    "SELECT number, holder_name, statement, signature FROM (SELECT number, holder_name,"
                    " statement, signature, row_number() OVER (ORDER BY number) - 1 AS rank FROM certificate)"
                    " AS ranked WHERE rank = ANY(:ranks)"
                ),
                {"ranks": ranks},
            )
        ).all()
    found = [Certificate(number, name, encode_token(bytes(st), bytes(sig))) for number, name, st, sig in rows]
    random.Random(seed).shuffle(found)
    return found


def _clear_redis(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{PREFIX}:*", count=1000):
        client.delete(key)
    client.close()


class Server(UvicornServer):
    """``uvicorn bench.verify:bench_app`` with one worker and the given settings."""

    def __init__(self, db_url: str, port: int, **settings: str) -> None:
        env = {
            "CERTREG_DATABASE_URL": db_url,
            "CERTREG_REDIS_PREFIX": PREFIX,
            "CERTREG_PUBLIC_RATE_PER_MINUTE": "1000000000",
            "CERTREG_API_RATE_PER_MINUTE": "1000000000",
            "CERTREG_PERSON_RATE_PER_MINUTE": "1000000000",
            "CERTREG_PERSON_ID_RATE_PER_MINUTE": "1000000000",
            "CERTREG_ID_HASH_KEY": ID_HASH_KEY,
            "CERTREG_LOG_LEVEL": "WARNING",
        }
        env |= {f"CERTREG_{k.upper()}": v for k, v in settings.items()}
        super().__init__("bench.verify:bench_app", port, env, factory=True)


def _post_body(cert: Certificate) -> str:
    return json.dumps({"number": cert.number, "name": cert.name}, ensure_ascii=False)


def _person_body(person: Person) -> str:
    body = {"name": person.name, "id_type": "resident_id", "id_number": person.id_number}
    return json.dumps(body, ensure_ascii=False)


def _warm(port: int, path: str, body: str | None = None) -> None:
    data = body.encode() if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method="POST" if data else "GET")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200, response.status
        response.read()


class Target(msgspec.Struct, frozen=True, kw_only=True):
    """Where one run points: the registry, Redis and the server's port."""

    db_url: str
    redis_url: str
    port: int


def one_run(
    target: Target, certs: list[Certificate], randoms: list[Certificate], persons: list[Person], seconds: int
) -> dict[str, Sample]:
    """Every contender once; returns name -> sample."""
    url = f"http://127.0.0.1:{target.port}"
    hot = certs[0]
    out: dict[str, Sample] = {}
    server = Server(target.db_url, target.port, redis_url=target.redis_url)
    try:
        _warm(target.port, "/v1/verify", _post_body(hot))
        _warm(target.port, f"/Q/{hot.token}")
        out["floor GET"] = run_wrk(f"{url}/bench/floor", seconds=seconds)
        out["floor POST"] = run_wrk(f"{url}/bench/floor", seconds=seconds, bodies=[_post_body(hot)])
        out["verify hit"] = run_wrk(f"{url}/v1/verify", seconds=seconds, bodies=[_post_body(hot)])
        out["qr page hit"] = run_wrk(f"{url}/Q/{hot.token}", seconds=seconds)
        if persons:
            _warm(target.port, "/v1/verify", _person_body(persons[0]))
            out["person hit"] = run_wrk(f"{url}/v1/verify", seconds=seconds, bodies=[_person_body(persons[0])])
    finally:
        server.stop()
    server = Server(target.db_url, target.port, redis_url=target.redis_url, local_cache="false")
    try:
        rotating = certs[:REDIS_ROTATION]
        for cert in rotating:  # each view read from the database once and written to Redis
            _warm(target.port, "/v1/verify", _post_body(cert))
        out["verify redis"] = run_wrk(f"{url}/v1/verify", seconds=seconds, bodies=[_post_body(c) for c in rotating])
    finally:
        server.stop()
    server = Server(target.db_url, target.port, local_cache="false", redis_cache="false")
    try:
        out["verify miss pg"] = run_wrk(f"{url}/v1/verify", seconds=seconds, bodies=[_post_body(c) for c in certs])
        out["verify miss random"] = run_wrk(
            f"{url}/v1/verify", seconds=seconds, bodies=[_post_body(c) for c in randoms]
        )
        if persons:
            bodies = [_person_body(p) for p in persons]
            for repeat in range(PERSON_REPEATS):
                out[f"person floor {repeat}"] = run_wrk(f"{url}/bench/floor", seconds=seconds)
                out[f"person miss {repeat}"] = run_wrk(f"{url}/v1/verify", seconds=seconds, bodies=bodies)
    finally:
        server.stop()
    return out


async def _registry(args: argparse.Namespace, scratch: ScratchDatabase) -> tuple[str, list[Certificate], list[Person]]:
    """The registry to read (a reused bench registry, or a scratch one filled now), its first numbers and
    (scratch only) the holders issued for the person look-ups."""
    if args.registry:
        url, fresh = await reusable_database(args.pg_admin_url, args.registry)
        if fresh:
            sys.exit(f"{args.registry} was empty: build it first with `python -m bench.scale --db-name ...`")
        async with Database(url) as database, database.read_engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT number, holder_name, statement, signature FROM certificate ORDER BY number LIMIT :n"),
                {"n": args.certificates},
            )
            certs = [Certificate(n, name, encode_token(bytes(st), bytes(sig))) for n, name, st, sig in rows]
        return url, certs, []
    url = await scratch.create()
    certs, persons = await _prepare(url, args.certificates)
    return url, certs, persons


def main() -> None:
    parser = bench_parser(__doc__.split("\n\n")[0], runs=3, seconds=8, certificates=20_000)
    parser.add_argument("--registry", default="", help="a bench registry made by bench/scale.py, reused as it is")
    add_arguments(parser, default_name=scratch_name("certreg_bench_verify"))
    args = parser.parse_args()
    require_wrk()
    scratch = ScratchDatabase(args.pg_admin_url, args.db_name)
    runs: list[dict[str, Sample]] = []
    try:
        db_url, certs, persons = asyncio.run(_registry(args, scratch))
        randoms = asyncio.run(sample_certificates(db_url, RANDOM_SAMPLE))
        target = Target(db_url=db_url, redis_url=args.redis_url, port=free_port(args.port))
        for run in range(args.runs):
            _clear_redis(target.redis_url)
            runs.append(one_run(target, certs, randoms, persons, args.seconds))
            print(f"run {run + 1}/{args.runs} done", file=sys.stderr)
    finally:
        _clear_redis(args.redis_url)
        asyncio.run(scratch.drop())
    report(runs)


def _ratio(median: dict[str, Sample], name: str, floor: float) -> float | None:
    """``name``'s throughput against the floor, or ``None`` when it was not measured."""
    return round(median[name].rps / floor, 3) if name in median else None


def _paired_person_ratio(runs: list[dict[str, Sample]]) -> float | None:
    """The median over every run and repeat of person-miss throughput / the floor measured just before it."""
    ratios = [
        run[f"person miss {i}"].rps / run[f"person floor {i}"].rps
        for run in runs
        for i in range(PERSON_REPEATS)
        if f"person miss {i}" in run
    ]
    return round(statistics.median(ratios), 3) if ratios else None


def _fold_person_repeats(run: dict[str, Sample]) -> dict[str, Sample]:
    """One run's repeats as two rows: ``person miss pg`` and ``person miss floor`` (medians of the repeats)."""
    folded = {k: v for k, v in run.items() if not k.startswith(("person miss ", "person floor "))}
    misses = [v for k, v in run.items() if k.startswith("person miss ")]
    if misses:
        folded["person miss pg"] = Sample.median(misses)
        folded["person miss floor"] = Sample.median([v for k, v in run.items() if k.startswith("person floor ")])
    return folded


def report(raw: list[dict[str, Sample]]) -> None:
    runs = [_fold_person_repeats(run) for run in raw]
    names = list(runs[0])
    median = {n: Sample.median([r[n] for r in runs]) for n in names}
    floor = median["floor GET"].rps
    print(f"{'contender':<18} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>7}   (medians of {len(runs)} runs)")
    for name in names:
        s = median[name]
        print(f"{name:<18} {s.rps:>10.0f} {s.p50_ms:>8.2f} {s.p99_ms:>8.2f} {s.rps / floor:>7.2f}")
    print(
        json.dumps(
            {
                "hit_ratio": round(median["verify hit"].rps / floor, 3),
                "hit_p99_ms": round(median["verify hit"].p99_ms, 2),
                "redis_hit_ratio": round(median["verify redis"].rps / floor, 3),
                "miss_pg_ratio": round(median["verify miss pg"].rps / floor, 3),
                "miss_random_ratio": round(median["verify miss random"].rps / floor, 3),
                "person_hit_ratio": _ratio(median, "person hit", floor),
                "person_miss_pg_ratio": _paired_person_ratio(raw),
            }
        )
    )


if __name__ == "__main__":
    main()
