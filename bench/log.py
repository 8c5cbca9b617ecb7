"""Append rate and inclusion-proof rate of the transparency log on PostgreSQL, next to baselines.

Append: for batches of 1,000 / 10,000 / 100,000 ``certificate.issued`` events, the full
:func:`registry.events.append_events` (canonical encoding, leaf hashes, COPY of the event rows, the nodes
of 256 leaves and up) against the bare insert of the *same* event rows, precomputed, by the same COPY and
``log_head`` update, with no encoding, hashing or tree — each in its own committed transaction on an empty
log (truncated, untimed, between runs). The difference is what the log costs beyond the inserts.

Proofs: :func:`registry.log.proofs.inclusion_proof` for random leaves of a ``--tree``-leaf log, next to
one primary-key read of a leaf hash (one round trip: the floor of any database answer).

Medians over ``--rounds`` runs, in rotating order; a table, then one JSON line
``{"append_per_s": …, "inclusion_proofs_per_s": …}`` (the 100,000-leaf append rate and the proof rate).
Run: ``.venv/bin/python -m bench.log`` (``--pg-admin-url`` names the server; a database ``--db-name``, by
default ``certreg_bench_log_<pid>``, is created on it and dropped at the end: see :mod:`bench.database`).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy import select, text, update

from bench.database import ScratchDatabase, add_arguments, scratch_name
from bench.flags import bench_parser
from registry.append_only import unguarded
from registry.bulk import insert_records
from registry.db import Database
from registry.events import EVENT_COLUMNS, LOG_HEAD_ID, EventKind, NewEvent, append_events, encode_entry, entry_of
from registry.log.merkle import leaf_hash
from registry.log.proofs import inclusion_proof
from registry.models import Event, LogHead

BATCHES = (1_000, 10_000, 100_000)


def issued_events(count: int, tag: str) -> list[NewEvent]:
    """Events shaped like :func:`registry.certificates.issued_event` makes them."""
    events = []
    for i in range(count):
        digest = hashlib.sha256(f"{tag}{i}".encode()).digest()
        details: dict[str, str | int | bytes | bool | None] = {
            "kind": "skill_level",
            "statement_sha256": digest,
            "signature_sha256": digest[::-1],
            "kid": "AbCdEfGhIjK",
            "institution": "S000043000101",
            "authority": "430100",
            "batch": 12345,
        }
        number = f"S0000430001012{i:08d}"
        events.append(
            NewEvent(kind=EventKind.CERTIFICATE_ISSUED, subject=number, actor="token:7:province", details=details)
        )
    return events


async def reset(database: Database) -> None:
    async with database.transaction() as session, unguarded(session, database.dialect):
        await session.execute(text("TRUNCATE event, merkle_node, checkpoint"))
        await session.execute(update(LogHead).values(size=0))


async def append_full(database: Database, events: list[NewEvent]) -> None:
    async with database.transaction() as session:
        await append_events(session, events)


async def insert_bare(database: Database, records: list[tuple[object, ...]]) -> None:
    async with database.transaction() as session:
        head = await session.execute(
            update(LogHead)
            .where(LogHead.id == LOG_HEAD_ID)
            .values(size=LogHead.size + len(records))
            .returning(LogHead.size)
        )
        start = head.scalar_one() - len(records)
        rows = [(index, *record) for index, record in enumerate(records, start)]
        await insert_records(session, Event, EVENT_COLUMNS, rows)


def bare_records(events: list[NewEvent]) -> list[tuple[object, ...]]:
    """The event rows append_events writes for ``events``, computed in advance (all but the index)."""
    now = datetime.now(UTC)
    records: list[tuple[object, ...]] = []
    for event in events:
        data = encode_entry(entry_of(event, now))
        records.append((now, event.actor, event.kind, event.subject, event.reason, data, leaf_hash(data)))
    return records


async def timed(work: Callable[[], Awaitable[None]]) -> float:
    start = time.perf_counter()
    await work()
    return time.perf_counter() - start


async def measure_appends(database: Database, rounds: int) -> dict[int, dict[str, float]]:
    """Median seconds per batch size of the full append and of the bare insert."""
    results: dict[int, dict[str, float]] = {}
    for size in BATCHES:
        events = issued_events(size, "a")
        records = bare_records(events)
        contenders = {
            "append": lambda e=events: append_full(database, e),
            "bare": lambda r=records: insert_bare(database, r),
        }
        times: dict[str, list[float]] = {name: [] for name in contenders}
        names = list(contenders)
        for run in range(rounds + 1):  # the first run warms up and is dropped
            for name in names[run % 2 :] + names[: run % 2]:
                await reset(database)
                elapsed = await timed(contenders[name])
                if run:
                    times[name].append(elapsed)
        results[size] = {name: statistics.median(values) for name, values in times.items()}
    return results


async def measure_proofs(database: Database, tree: int, rounds: int, loops: int) -> dict[str, float]:
    """Median proofs/s and point reads/s against a log of ``tree`` leaves."""
    await reset(database)
    for start in range(0, tree, 100_000):
        await append_full(database, issued_events(min(100_000, tree - start), f"t{start}-"))
    rng = random.Random(9162)
    rates: dict[str, list[float]] = {"inclusion proof": [], "point read (1 round trip)": []}
    async with database.reader() as session:

        async def proofs() -> None:
            for _ in range(loops):
                await inclusion_proof(session, rng.randrange(tree), tree)

        async def reads() -> None:
            for _ in range(loops):
                await session.scalar(select(Event.leaf_hash).where(Event.idx == rng.randrange(tree)))

        for run in range(rounds + 1):
            for name, work in (("inclusion proof", proofs), ("point read (1 round trip)", reads))[
                :: 1 if run % 2 else -1
            ]:
                elapsed = await timed(work)
                if run:
                    rates[name].append(loops / elapsed)
    return {name: statistics.median(values) for name, values in rates.items()}


async def with_database(scratch: ScratchDatabase, work: Callable[[Database], Awaitable[None]]) -> None:
    async with Database(await scratch.create()) as database:
        await work(database)
        await scratch.drop()


async def main(args: argparse.Namespace) -> None:
    outcome: dict[str, object] = {}

    async def run(database: Database) -> None:
        outcome["appends"] = await measure_appends(database, args.rounds)
        outcome["proofs"] = await measure_proofs(database, args.tree, args.rounds, args.loops)

    await with_database(ScratchDatabase(args.pg_admin_url, args.db_name), run)
    appends: dict[int, dict[str, float]] = outcome["appends"]  # type: ignore[assignment]
    proofs: dict[str, float] = outcome["proofs"]  # type: ignore[assignment]
    print(f"PostgreSQL, medians of {args.rounds} runs")
    print(f"{'batch':>8} {'append leaves/s':>16} {'bare insert/s':>14} {'ratio':>6} {'log cost beyond inserts':>24}")
    for size, seconds in appends.items():
        extra_ms = (seconds["append"] - seconds["bare"]) * 1000
        print(
            f"{size:>8} {size / seconds['append']:>16.0f} {size / seconds['bare']:>14.0f} "
            f"{seconds['bare'] / seconds['append']:>6.2f} {extra_ms:>21.0f} ms"
        )
    print(f"\nproofs against a tree of {args.tree} leaves, {args.loops} per run")
    for name, rate in proofs.items():
        print(f"{name:>28} {rate:>10.0f} /s")
    print(f"{'ratio proof / point read':>28} {proofs['inclusion proof'] / proofs['point read (1 round trip)']:>10.2f}")
    largest = appends[BATCHES[-1]]
    result = {
        "append_per_s": round(BATCHES[-1] / largest["append"]),
        "inclusion_proofs_per_s": round(proofs["inclusion proof"]),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    parser = bench_parser(__doc__.splitlines()[0] if __doc__ else None, rounds=5)
    parser.add_argument("--tree", type=int, default=1_000_000, help="leaves of the log the proofs are made against")
    parser.add_argument("--loops", type=int, default=1000, help="proofs per run")
    add_arguments(parser, default_name=scratch_name("certreg_bench_log"))
    asyncio.run(main(parser.parse_args()))
