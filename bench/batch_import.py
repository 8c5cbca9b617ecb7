"""How fast is ``POST /v1/batches``' pipeline? Rows/s of a whole import next to merely reading the file.

The import (``issuer.batches.submission.submit_batch``: read the CSV, check every row — ID number, name,
occupation, level, rules 1–6 through the eligibility context — look up duplicates among valid
certificates and batches not yet issued, insert the rows and the event) is timed for 1,000, 10,000 and
100,000 rows on SQLite and on PostgreSQL (when reachable), each on a freshly seeded registry. The
baseline, measured in the same run on the same bytes, is ``registry.tabular.read_tables`` alone: the
floor every import pays before checking anything. Medians over ``--rounds``.

The last line is one JSON object ``{"rows_100k_seconds": …, "rows_per_s": …, "ratio_to_read": …}``
(PostgreSQL when reachable, else SQLite; ``ratio_to_read`` = import rows/s ÷ read-only rows/s).
Run: ``.venv/bin/python -m bench.batch_import`` (the issue asks for seconds, not minutes, at 100,000).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from bench.database import ScratchDatabase, add_arguments, scratch_name
from bench.flags import bench_parser
from issuer.auth import Principal, Role
from issuer.batches.submission import Upload, submit_batch
from registry.config import load_settings
from registry.db import Database, one_off_engine
from registry.rules.profiles import get_profile
from registry.schema import upgrade
from registry.tabular import read_tables
from registry.vocab import CertificateKind
from tests.factories import ELECTRICIAN, SKILL_INSTITUTION, seed_world
from tests.factories.world import resident_id
from tests.support import empty_tables

CALLER = Principal.for_operator("bench", role=Role.PROVINCE_ADMIN, org_code="430000")


def results_csv(rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["姓名", "身份证号", "职业编码", "等级"])
    for n in range(rows):
        writer.writerow(["张三丰", resident_id(n), ELECTRICIAN, "4"])
    return out.getvalue().encode()


async def _reset(database: Database) -> None:
    await empty_tables(database)
    await seed_world(database)


async def time_import(url: str, data: bytes) -> float:
    async with Database(url) as database:
        await _reset(database)
        settings = load_settings({}, database_url=url, id_hash_key="bench-id-hash-key-0123456789", max_rows=200_000)
        upload = Upload(
            data=data,
            file_name="bench.csv",
            institution=SKILL_INSTITUTION,
            kind=CertificateKind.SKILL_LEVEL,
            assessed_on=date(2025, 6, 1),
        )
        start = time.perf_counter()
        imported = await submit_batch(database, settings, CALLER, upload, profile=get_profile(settings.issuing.profile))
        seconds = time.perf_counter() - start
        assert not any(row.problems for row in imported.rows), "the bench file must import without a bad row"
        return seconds


def time_read(data: bytes) -> float:
    start = time.perf_counter()
    read_tables(data, "bench.csv", max_rows=200_000)
    return time.perf_counter() - start


async def _migrated(url: str) -> str:
    async with one_off_engine(url) as engine:
        await upgrade(engine)
    return url


async def _pg_database(scratch: ScratchDatabase) -> str | None:
    """The scratch PostgreSQL database, or ``None`` when the server does not answer (SQLite only then)."""
    try:
        return await scratch.create()
    except OSError:
        return None


async def measure(
    sizes: list[int], rounds: int, directory: Path, scratch: ScratchDatabase
) -> dict[tuple[str, int], tuple[float, float]]:
    """(engine, rows) → (median import seconds, median read-only seconds)."""
    engines = {"sqlite": await _migrated(f"sqlite+aiosqlite:///{directory / 'bench.db'}")}
    pg = await _pg_database(scratch)
    if pg is not None:
        engines["postgresql"] = pg
    found = {}
    try:
        for size in sizes:
            data = results_csv(size)
            for engine, url in engines.items():
                imports, reads = [], []
                for _ in range(rounds):
                    reads.append(time_read(data))
                    imports.append(await time_import(url, data))
                found[(engine, size)] = (statistics.median(imports), statistics.median(reads))
    finally:
        await scratch.drop()
    return found


def main() -> None:
    parser = bench_parser(__doc__.splitlines()[0], rounds=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    add_arguments(parser, default_name=scratch_name("certreg_bench_batch_import"))
    args = parser.parse_args()
    scratch = ScratchDatabase(args.pg_admin_url, args.db_name)
    with tempfile.TemporaryDirectory() as directory:
        found = asyncio.run(measure(args.sizes, args.rounds, Path(directory), scratch))
    print(f"median of {args.rounds} rounds; baseline = registry.tabular.read_tables on the same bytes")
    print(f"{'engine':11} {'rows':>8} {'import s':>9} {'rows/s':>9} {'read rows/s':>12} {'ratio':>7}")
    for (engine, size), (seconds, read) in found.items():
        print(f"{engine:11} {size:8d} {seconds:9.2f} {size / seconds:9.0f} {size / read:12.0f} {read / seconds:7.3f}")
    largest = max(args.sizes)
    engine = "postgresql" if ("postgresql", largest) in found else "sqlite"
    seconds, read = found[(engine, largest)]
    print(
        json.dumps(
            {
                "rows_100k_seconds": round(seconds * 100_000 / largest, 2),
                "rows_per_s": round(largest / seconds),
                "ratio_to_read": round(read / seconds, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
