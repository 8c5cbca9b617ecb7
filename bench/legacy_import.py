"""Legacy import throughput on PostgreSQL, next to bare Ed25519 measured in the same run (issue 13 target:
1,000,000 certificates, imported rows/s ≥ 0.3 × bare PyNaCl signs/s, peak memory under 1 GB).

A CSV of ``--rows`` skill-level certificates (national 22-character numbers, distinct resident-ID holders),
written to a temporary file line by line, is imported by :func:`issuer.legacy.service.import_legacy` from that
path — the CLI's path: the file read once, rows checked and sealed in ``--processes`` worker processes
(default: every core) and spooled, then signed in the workers while certificates + issue and origin events +
Merkle nodes + prints are stored in chunks of ``--chunk``, counters raised — into a database of its own
(``--db-name`` / ``CERTREG_BENCH_DB``, default a fresh ``certreg_bench_legacy_…``; created, migrated and
seeded with ``tests.factories``, dropped at the end — only if this process made it, see
``bench/database.py``). ``--runs`` imports, each of new numbers and holders, into one database.

The baseline: bare PyNaCl ``SigningKey.sign`` of a typical statement on one thread (median of 5 rounds),
measured before each import. ``ratio_to_sign`` = imported rows/s ÷ bare signs/s; ``peak_rss_mb`` is the
importing process's peak resident memory (``ru_maxrss``), and ``worker_peak_rss_mb`` the largest of its
worker processes'. ``legacy_1m_seconds`` is
measured when ``--rows`` is 1,000,000 and otherwise projected from the median rate (``rows`` says which).
The last line is one JSON object. Run: ``.venv/bin/python -m bench.legacy_import --rows 1000000``.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import IO, Any

from sqlalchemy import text

from bench.database import ScratchDatabase, add_arguments, scratch_name
from bench.flags import bench_parser
from bench.issue import OPERATOR, bare_sign_rate
from issuer.keystore import KeyStore
from issuer.legacy.service import import_legacy
from registry.config import load_settings
from registry.db import Database
from registry.rules.profiles import HUNAN
from tests.factories import ELECTRICIAN, SKILL_INSTITUTION, add_keys, key_store, seed_world
from tests.integration.batches.helpers import resident_id
from tests.integration.legacy.files import csv_bytes, skill_number
from tests.support import ID_HASH_KEY

MILLION = 1_000_000


def legacy_file(rows: int, *, run: int) -> bytes:
    """``rows`` certificates; each run its own level (its own numbers) and holders."""
    out = io.BytesIO()
    _write(out, rows, run=run)
    return out.getvalue()


def _write(out: IO[bytes], rows: int, *, run: int) -> None:
    level = str(5 - run % 5)
    out.write(csv_bytes([]))
    for start in range(0, rows, 10_000):
        made = []
        for at in range(start, min(start + 10_000, rows)):
            n = 1 + run * rows + at
            # a scope (institution, year, level) holds 999,999 numbers: 900,000 per year, from 2021 back
            number = skill_number(at % 900_000 + 1, year=2021 - at // 900_000, level=int(level))
            made.append([number, "职业技能等级证书", f"学员{n:07d}", "", resident_id(n), ELECTRICIAN, level,
                         SKILL_INSTITUTION, "湖南省职业技能鉴定中心", "2021-07-01", "", "有效", "", ""])  # fmt: skip
        out.write(csv_bytes(made).split(b"\r\n", 1)[1])


def write_legacy_file(path: Path, rows: int, *, run: int) -> None:
    """:func:`legacy_file` written to ``path`` ten thousand rows at a time (the bench's memory stays flat)."""
    with path.open("wb") as out:
        _write(out, rows, run=run)


def _cpu_seconds() -> tuple[float, float]:
    """User + system CPU of this process and of its ended workers: unlike wall time, hardly moved by the load
    of other processes, so it compares two versions on a shared machine (PostgreSQL's own CPU is not in it).
    The importer's own share is apart: its storing stage runs while the workers wait (docs/legacy.md)."""
    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, workers.ru_utime + workers.ru_stime


async def _database_cpu(database: Database) -> dict[int, float]:
    """User + system CPU seconds of each PostgreSQL backend serving the bench database, by process id, read
    from ``/proc`` (the server runs on this machine; a backend whose ``/proc`` entry cannot be read counts 0).
    The pool keeps its connections for the whole import, so the difference of two readings is PostgreSQL's
    share of an import (autovacuum, the checkpointer and the WAL writer are not in it)."""
    async with database.reader() as session:
        pids = (
            await session.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"))
        ).scalars()
        return {pid: seconds for pid in pids if (seconds := _process_cpu(pid)) is not None}


def _process_cpu(pid: int) -> float | None:
    """User + system CPU seconds of process ``pid`` (``/proc/PID/stat``), None when it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat") as stat:  # a few hundred bytes from procfs
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run(rows: int, runs: int, chunk: int, processes: int | None, scratch: ScratchDatabase) -> dict[str, Any]:
    keys = Path(tempfile.mkdtemp(prefix="certreg-bench-"))
    report: dict[str, Any] = {"runs": []}
    database: Database | None = None
    try:
        database = Database(await scratch.create())
        await seed_world(database)
        store: KeyStore = key_store(keys)
        await add_keys(database, store)
        settings = load_settings(
            {}, database_url=database.url, key_dir=str(keys), key_passphrase="test-passphrase",
            key_kdf="insecure-test-only", id_hash_key=ID_HASH_KEY,
        )  # fmt: skip
        for index in range(runs):
            path = keys / f"legacy-{index}.csv"
            write_legacy_file(path, rows, run=index)
            sign_rate = bare_sign_rate()
            database_before = await _database_cpu(database)
            before = _cpu_seconds()
            start = time.perf_counter()
            done = await import_legacy(
                database, settings, store, HUNAN, OPERATOR, path=path, source="bench", chunk_size=chunk,
                processes=processes,
            )  # fmt: skip
            seconds = time.perf_counter() - start
            own, workers = _cpu_seconds()
            importer, cpu = own - before[0], own + workers - sum(before)
            database_after = await _database_cpu(database)
            server = sum(t - database_before.get(pid, 0.0) for pid, t in database_after.items())
            path.unlink()
            assert done.imported == rows, done
            report["runs"].append(
                {
                    "seconds": seconds,
                    "sign_rate": sign_rate,
                    "cpu": cpu,
                    "importer_cpu": importer,
                    "database_cpu": server,
                }
            )
    finally:
        if database is not None:
            await database.dispose()
        shutil.rmtree(keys, ignore_errors=True)  # its keys and any file a failed run left
        await scratch.drop()
    report["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report["worker_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return report


def main() -> None:
    parser = bench_parser(__doc__.splitlines()[0], rows=MILLION, runs=1, chunk=5000)
    parser.add_argument("--processes", type=int, default=None, help="worker processes (default: every core)")
    add_arguments(parser, default_name=scratch_name("certreg_bench_legacy"))
    args = parser.parse_args()
    load = os.getloadavg()[0]
    scratch = ScratchDatabase(args.pg_admin_url, args.db_name)
    report = asyncio.run(run(args.rows, args.runs, args.chunk, args.processes, scratch))
    print(f"machine load (1 min) at start: {load:.2f} on {os.cpu_count()} CPUs")
    print(f"{'rows':>9} {'run':>3} {'seconds':>9} {'rows/s':>9} {'bare signs/s':>13} {'ratio':>6}")
    for at, entry in enumerate(report["runs"], start=1):
        rate = args.rows / entry["seconds"]
        print(f"{args.rows:>9} {at:>3} {entry['seconds']:>9.2f} {rate:>9.0f} {entry['sign_rate']:>13.0f} "
              f"{rate / entry['sign_rate']:>6.3f}")  # fmt: skip
    seconds = statistics.median(e["seconds"] for e in report["runs"])
    rate = args.rows / seconds
    ratio = statistics.median(args.rows / e["seconds"] / e["sign_rate"] for e in report["runs"])
    cpu_us = statistics.median(e["cpu"] for e in report["runs"]) / args.rows * 1e6
    importer_us = statistics.median(e["importer_cpu"] for e in report["runs"]) / args.rows * 1e6
    database_us = statistics.median(e["database_cpu"] for e in report["runs"]) / args.rows * 1e6
    print(
        f"median: {rate:.0f} rows/s, ratio to bare signing {ratio:.3f}, peak RSS {report['peak_rss_mb']:.0f} MB "
        f"(largest worker {report['worker_peak_rss_mb']:.0f} MB); {cpu_us:.0f} us of CPU a row (importer and "
        f"workers; {importer_us:.0f} of it the importer's) and {database_us:.0f} of PostgreSQL's; "
        f"load (1 min) at the end {os.getloadavg()[0]:.2f}"
    )
    print(
        json.dumps(
            {
                "legacy_1m_seconds": round(seconds if args.rows == MILLION else MILLION / rate, 1),
                "rows_per_s": round(rate),
                "ratio_to_sign": round(ratio, 3),
                "peak_rss_mb": round(report["peak_rss_mb"]),
                "worker_peak_rss_mb": round(report["worker_peak_rss_mb"]),
                "cpu_us_per_row": round(cpu_us),
                "importer_cpu_us_per_row": round(importer_us),
                "database_cpu_us_per_row": round(database_us),
                "rows": args.rows,
            }
        )
    )


if __name__ == "__main__":
    main()
