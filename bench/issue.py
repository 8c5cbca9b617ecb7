"""Issuing throughput on PostgreSQL: batches of 1,000, 10,000 and 100,000 rows, next to bare Ed25519.

Each run inserts a fresh batch (state ``under_notice``, notice ended, every row ``ok``) into a database of
its own (``--db-name``, by default ``certreg_bench_issue_<pid>``: two runs at once never share one; created,
migrated and seeded with ``tests.factories``, dropped at the end by the run that made it, see
:mod:`bench.database`) and times
:func:`issuer.issuing.service.issue_batch` from call to commit: lock, re-check, numbering, signing,
certificates + events + Merkle nodes, rows marked, batch event (no Redis: announcing is after commit).
Runs rotate the level, so each lands in its own sequence scope and no scope nears its maximum.

The baseline, measured in the same run before each timed issue (alternating with them, so that a load that
changes during the run weighs on both; once per size, a quiet moment before a loaded run gave 0.08 where the
runs around it gave 0.15): bare PyNaCl ``SigningKey.sign`` of a typical statement on one thread (signs/s,
median over the runs of a size of the median of 3 rounds each). ``ratio_to_sign`` = issued rows/s ÷ bare signs/s.
Issues sign each certificate's W3C credential too, as the API and the CLI do (docs/credentials.md); each
timed issue is followed by one of the same size without credentials, and ``ratio_to_no_credentials`` (the
"VC cost" column) is the median with ÷ the median without.

Then, once, for 100,000 rows: where the time goes (wall time, CPU of the event loop's thread and of the
database server's processes, read in ``/proc`` when the server is local, inside the store calls, from
wrappers around them; then the CPU in all, per row: event loop + signing threads + server) and the two
ways of marking rows issued that ``issuer.batches.store.mark_issued`` chose between.
The last line is exactly ``{"rows_100k_seconds": …, "rows_per_s": …, "ratio_to_sign": …}``.
Run: ``.venv/bin/python -m bench.issue`` (``--runs 5,3,2`` runs per size; ``--quick`` for 1k and 10k only;
``--breakdown`` for the 100,000-row breakdown alone).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import msgspec
import nacl.signing
from sqlalchemy import text

import issuer.issuing.service as service_module
import issuer.issuing.writer as writer_module
import registry.certificates as certificates_module
import registry.events as events_module
from bench.database import ScratchDatabase, add_arguments, scratch_name
from issuer.auth import Principal, Role
from issuer.issuing.credentials import CredentialContext
from issuer.issuing.service import issue_batch
from issuer.keystore import KeyStore
from registry.db import Database
from registry.rules.profiles import HUNAN
from registry.statement import DOMAIN, Statement, days_since_epoch, encode_statement
from tests.factories import add_keys, key_store, seed_world
from tests.integration.issuing.batches import Row, make_batch

#: Every run's holders are new people: issuing refuses a holder who already has the certificate.
_RUNS = itertools.count()
OPERATOR = Principal.for_operator("bench", role=Role.PROVINCE_ADMIN, org_code="430000")
READ = "read the ok rows"
MARK = "mark rows issued (UPDATE … FROM unnest)"
SERIALS = "allocate the print serials (before signing)"
STORE = "store_prepared, per chunk (the four below + reference checks)"
EVENTS = "  append encoded events (registry.events.append_encoded)"
NODES = "    of which Merkle nodes (registry.log.tree.store_leaves)"
COPY = "  COPY certificate rows"
PRINTS = "  COPY first prints"
CREDENTIALS = "  check references + COPY credential rows"
RECHECK = "re-check the rows' rules and duplicates"
NUMBERS = "allocate the numbers, plan the credentials"
ANALYZE = "ANALYZE the grown tables (after the commit)"
WHOLE = "issue_batch"
BREAKDOWN_ORDER = (READ, RECHECK, NUMBERS, MARK, SERIALS, STORE, EVENTS, NODES, COPY, PRINTS, CREDENTIALS, ANALYZE)


def bare_sign_rate(rounds: int = 5, loops: int = 20_000) -> float:
    """Median signs/s of PyNaCl's ``SigningKey.sign`` over ``DOMAIN + statement`` of a typical record."""
    key = nacl.signing.SigningKey(bytes(range(32)))
    st = Statement(
        1, "S000043000101253000001", 2, "张三丰", "430102********1234", "6-31-01-03", 3,
        "S000043000101", "430100", days_since_epoch(date(2025, 6, 30)), "AAAAAAAAAAA",
    )  # fmt: skip
    message = DOMAIN + encode_statement(st)
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(loops):
            key.sign(message)
        rates.append(loops / (time.perf_counter() - start))
    return statistics.median(rates)


def fresh_rows(size: int, *, level: int = 3) -> list[Row]:
    """``size`` holders never seen before in this run (synthetic ID digests derived from the name)."""
    run = next(_RUNS)
    return [Row(name=f"学员{run:04d}{i:06d}", level=level) for i in range(size)]


async def time_issue(database: Database, store: KeyStore, size: int, level: int, *, credentials: bool = True) -> float:
    """Seconds to issue a fresh batch of ``size`` rows (batch creation not timed), with each certificate's
    W3C credential as the API and the CLI issue them, or (``credentials=False``) statements only."""
    batch_id = await make_batch(database, fresh_rows(size, level=level))
    context = CredentialContext(public_url="https://zs.example.cn", keystore=store) if credentials else None
    start = time.perf_counter()
    result = await issue_batch(database, store, HUNAN, batch_id, caller=OPERATOR, credentials=context)
    seconds = time.perf_counter() - start
    assert len(result.issued_now) == size
    return seconds


def _restorer(target: Any, name: str, previous: Any) -> Callable[[], None]:
    return lambda: setattr(target, name, previous)


_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (``/proc``; 0 when it cannot be read: a server on
    another host, or gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


def server_cpu(database_name: str) -> float:
    """CPU seconds so far of the local PostgreSQL server processes connected to ``database_name`` (their
    process titles name it), 0 when there are none to read."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if title.startswith(b"postgres: ") and f" {database_name} ".encode() in title:
            total += process_cpu(int(entry.name))
    return total


class Timers:
    """Wall time, the event loop thread's CPU and the database server's CPU (its processes serving
    ``database_name``, read in ``/proc`` when the server is local) spent inside wrapped coroutine functions
    (nested calls are counted in both). CPU seconds move far less with the machine's load than wall seconds do."""

    def __init__(self, database_name: str = "") -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.loop_cpu: dict[str, float] = defaultdict(float)
        self.server_cpu: dict[str, float] = defaultdict(float)
        self.process_cpu: dict[str, float] = defaultdict(float)
        self._database_name = database_name
        self._undo: list[Callable[[], None]] = []

    def server(self) -> float:
        return server_cpu(self._database_name) if self._database_name else 0.0

    def wrap(self, module: Any, name: str, label: str, *also: Any) -> None:
        """Time ``module.name`` (and the same name imported into ``also``) under ``label``; a name the module
        does not have is skipped, so that this bench also breaks down an older tree's issue (run it as
        ``python <this file>`` with that tree first on ``PYTHONPATH``)."""
        original = getattr(module, name, None)
        if original is None:
            return

        async def timed(*args: Any, **kwargs: Any) -> Any:
            start, cpu, server, process = time.perf_counter(), time.thread_time(), self.server(), time.process_time()
            try:
                return await original(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - start
                self.loop_cpu[label] += time.thread_time() - cpu
                self.server_cpu[label] += self.server() - server
                self.process_cpu[label] += time.process_time() - process

        for target in (module, *(other for other in also if hasattr(other, name))):
            self._undo.append(_restorer(target, name, getattr(target, name)))
            setattr(target, name, timed)

    def restore(self) -> None:
        for undo in reversed(self._undo):
            undo()


class Breakdown(msgspec.Struct, kw_only=True):
    """One timed 100,000-row issue: wall seconds, CPU seconds (this process: the event loop and the signing
    threads; the database server) in all and per wrapped store call."""

    seconds: float
    process_cpu: float
    loop_cpu: float
    server_cpu: float
    parts: dict[str, float]
    loop_parts: dict[str, float]
    server_parts: dict[str, float]


async def breakdown(database: Database, store: KeyStore, level: int) -> Breakdown:
    """One 100,000-row issue with timers around the store calls it makes."""
    timers = Timers(database.write_engine.url.database or "")
    timers.wrap(service_module, "ok_rows", READ)
    timers.wrap(service_module, "mark_issued", MARK)
    timers.wrap(service_module, "recheck_rows", RECHECK)
    timers.wrap(service_module, "duplicate_rows", RECHECK)
    timers.wrap(service_module, "allocate_numbers", NUMBERS)
    timers.wrap(service_module, "plan_credentials", NUMBERS)
    timers.wrap(service_module, "refresh_statistics", ANALYZE)
    timers.wrap(events_module, "store_leaves", NODES)
    timers.wrap(events_module, "append_encoded", EVENTS, certificates_module)
    timers.wrap(certificates_module, "insert_records", COPY)  # the certificate rows (COPY on PostgreSQL)
    timers.wrap(certificates_module, "store_first_prints", PRINTS)
    timers.wrap(certificates_module, "require_credential_references", CREDENTIALS)
    timers.wrap(certificates_module, "store_credentials", CREDENTIALS)
    timers.wrap(writer_module, "first_prints", SERIALS)
    timers.wrap(writer_module, "store_prepared", STORE)
    timers.wrap(sys.modules[__name__], "issue_batch", WHOLE)  # the call time_issue times, not the batch's making
    try:
        seconds = await time_issue(database, store, 100_000, level)
    finally:
        timers.restore()
    return Breakdown(
        seconds=seconds,
        process_cpu=timers.process_cpu[WHOLE],
        loop_cpu=timers.loop_cpu[WHOLE],
        server_cpu=timers.server_cpu[WHOLE],
        parts=dict(timers.seconds),
        loop_parts=dict(timers.loop_cpu),
        server_parts=dict(timers.server_cpu),
    )


async def mark_variants(database: Database, size: int = 100_000) -> dict[str, float]:
    """The bare status update against the update that also writes the numbers, each rolled back."""
    batch_id = await make_batch(database, fresh_rows(size))
    numbers = [f"N{i:010d}" for i in range(size)]
    statements: dict[str, tuple[str, dict[str, Any]]] = {
        "UPDATE status only": (
            "UPDATE batch_row SET status = 'issued' WHERE batch_id = :batch AND status = 'ok'",
            {"batch": batch_id},
        ),
        "UPDATE status + number FROM unnest": (
            "UPDATE batch_row SET status = 'issued', certificate_number = v.number FROM unnest(CAST(:rows AS "
            "INTEGER[]), CAST(:numbers AS VARCHAR[])) AS v(row_no, number) WHERE batch_row.batch_id = :batch "
            "AND batch_row.status = 'ok' AND batch_row.row_no = v.row_no",
            {"batch": batch_id, "rows": list(range(2, size + 2)), "numbers": numbers},
        ),
    }
    found = {}
    for label, (sql, params) in statements.items():
        async with database.write_engine.connect() as conn:
            transaction = await conn.begin()
            start = time.perf_counter()
            await conn.execute(text(sql), params)
            found[label] = time.perf_counter() - start
            await transaction.rollback()
    return found


async def run(
    sizes: list[int], runs: list[int], scratch: ScratchDatabase, *, breakdown_only: bool = False
) -> dict[str, Any]:
    report: dict[str, Any] = {"sizes": []}
    level_turn = iter(range(10_000))
    database: Database | None = None
    try:
        database = Database(await scratch.create())
        await seed_world(database)
        store = key_store(Path(tempfile.mkdtemp(prefix="certreg-bench-")))
        await add_keys(database, store)
        await time_issue(database, store, 200, 5)  # warm-up: opens the key, fills the pools
        for size, count in [] if breakdown_only else zip(sizes, runs, strict=True):
            times, plain, rates = [], [], []
            for _ in range(count):  # alternate, so the floor and both issues see the same load
                rates.append(bare_sign_rate(rounds=3))
                times.append(await time_issue(database, store, size, 2 + next(level_turn) % 4))
                plain.append(await time_issue(database, store, size, 2 + next(level_turn) % 4, credentials=False))
            sign_rate = statistics.median(rates)
            report["sizes"].append(
                {"size": size, "runs": count, "times": times, "plain": plain, "sign_rate": sign_rate}
            )
        if 100_000 in sizes:
            report["breakdown"] = await breakdown(database, store, 2 + next(level_turn) % 4)
            if not breakdown_only:
                report["mark"] = await mark_variants(database)
    finally:
        if database is not None:
            await database.dispose()
        await scratch.drop()
    return report


def _print(report: dict[str, Any]) -> dict[str, float]:
    print(
        f"{'rows':>8} {'runs':>4} {'median s':>9} {'min s':>7} {'rows/s':>9} {'bare signs/s':>13} {'ratio':>6} "
        f"{'no-VC s':>8} {'VC cost':>8}"
    )
    summary: dict[str, float] = {}
    for entry in report["sizes"]:
        median = statistics.median(entry["times"])
        rate = entry["size"] / median
        ratio = rate / entry["sign_rate"]
        plain = statistics.median(entry["plain"])
        print(
            f"{entry['size']:>8} {entry['runs']:>4} {median:>9.3f} {min(entry['times']):>7.3f} {rate:>9.0f} "
            f"{entry['sign_rate']:>13.0f} {ratio:>6.3f} {plain:>8.3f} {median / plain:>7.2f}x"
        )
        if entry["size"] == 100_000:
            summary = {
                "rows_100k_seconds": round(median, 3),
                "rows_per_s": round(rate),
                "ratio_to_sign": round(ratio, 3),
                "ratio_to_no_credentials": round(median / plain, 3),
            }
    if "breakdown" in report:
        found: Breakdown = report["breakdown"]
        total = found.seconds
        print(
            f"\nwhere 100,000 rows go (one more run, {total:.2f} s, load average {os.getloadavg()[0]:.1f}; signing "
            "overlaps the store calls):"
        )
        print(f"  {'':60} {'wall s':>7} {'share':>6} {'loop CPU s':>10} {'server CPU s':>12}")
        for label in BREAKDOWN_ORDER:
            seconds = found.parts.get(label, 0.0)
            print(
                f"  {label:60} {seconds:7.2f} {seconds / total:6.1%} {found.loop_parts.get(label, 0.0):10.2f} "
                f"{found.server_parts.get(label, 0.0):12.2f}"
            )
        top = [label for label in BREAKDOWN_ORDER if not label.startswith(" ")]
        rest = total - sum(found.parts.get(label, 0.0) for label in top)
        loop_rest = found.loop_cpu - sum(found.loop_parts.get(label, 0.0) for label in top)
        server_rest = found.server_cpu - sum(found.server_parts.get(label, 0.0) for label in top)
        print(
            f"  {'the rest (waiting for signatures, commit)':60} {rest:7.2f} {rest / total:6.1%} "
            f"{loop_rest:10.2f} {server_rest:12.2f}"
        )
        threads = found.process_cpu - found.loop_cpu
        print(
            f"  CPU in all: {found.process_cpu:.2f} s this process (event loop {found.loop_cpu:.2f} s, signing "
            f"threads {threads:.2f} s), {found.server_cpu:.2f} s the database server; per row: "
            f"{found.loop_cpu * 10:.0f} + {threads * 10:.0f} + {found.server_cpu * 10:.0f} us"
        )
    if "mark" in report:
        print("\nmarking 100,000 rows issued (one statement each, rolled back):")
        for label, seconds in report["mark"].items():
            print(f"  {label:60} {seconds:6.2f} s")
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", default="5,3,2", help="runs per size, comma-separated")
    parser.add_argument("--quick", action="store_true", help="1,000 and 10,000 rows only")
    parser.add_argument("--breakdown", action="store_true", help="only the 100,000-row breakdown (CPU per stage)")
    add_arguments(parser, default_name=scratch_name("certreg_bench_issue"))
    args = parser.parse_args()
    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    runs = [int(r) for r in args.runs.split(",")][: len(sizes)]
    scratch = ScratchDatabase(args.pg_admin_url, args.db_name)
    report = asyncio.run(run(sizes, runs, scratch, breakdown_only=args.breakdown and not args.quick))
    summary = _print(report)
    empty = {"rows_100k_seconds": None, "rows_per_s": None, "ratio_to_sign": None, "ratio_to_no_credentials": None}
    print(json.dumps(summary or empty))


if __name__ == "__main__":
    main()
