"""The issue's Done-when: kill the issuing process in the middle of writing a batch on PostgreSQL, re-run
it, and every row is issued exactly once with no gap in the numbers.

The issue says 20,000 rows; 6,000 take the same path at a third of the time (suite budget, issue 12): six
chunks of 1,000 rows (``issuer.issuing.writer``), each written by ``COPY``, the process killed once the
first chunk is stored and five are still to come."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from registry.db import Database
from registry.models import BatchRow, Certificate, Event, LogHead, SequenceCounter
from registry.rules.numbering import parse_any
from registry.rules.profiles import HUNAN
from tests.factories import add_keys, key_store, seed_world
from tests.integration.issuing.batches import make_batch, rows_of
from tests.integration.issuing.snapshots import issue_state
from tests.support import ID_HASH_KEY, empty_tables

ROWS = 6_000
CERTREG = str(Path(sys.executable).parent / "certreg")

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


async def _writer(database: Database) -> tuple[int, str | None] | None:
    """The other backend in this database with an open transaction: its pid and transaction id (an id is
    assigned only once a transaction has written something)."""
    async with database.reader() as session:
        row = (
            await session.execute(
                text(
                    "SELECT pid, backend_xid::text FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
                )
            )
        ).first()
    return None if row is None else (int(row[0]), row[1])


async def test_killed_mid_write_then_rerun_issues_each_row_once_without_gaps(pg_url: str, tmp_path: Path) -> None:
    async with Database(pg_url) as database:
        await empty_tables(database)
        await seed_world(database)
        await add_keys(database, key_store(tmp_path / "keys"))
        batch_id = await make_batch(database, rows_of(ROWS))
        before = await issue_state(database, batch_id)
        env = {
            **os.environ,
            "CERTREG_DATABASE_URL": pg_url,
            "CERTREG_KEY_DIR": str(tmp_path / "keys"),
            "CERTREG_KEY_PASSPHRASE": "test-passphrase",
            "CERTREG_ID_HASH_KEY": ID_HASH_KEY,
        }
        env.pop("CERTREG_REDIS_URL", None)
        process = await asyncio.create_subprocess_exec(
            CERTREG, "issue-batch", str(batch_id), env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert process.stderr is not None
        seen: list[str] = []
        while True:  # the CLI logs one line per stage; "store" comes after the first chunk was written
            line = (await asyncio.wait_for(process.stderr.readline(), timeout=60)).decode()
            assert line, f"the issuer ended before writing: {seen}"
            seen.append(line.strip())
            if ": store " in line:
                break
        writer = await _writer(database)
        process.send_signal(signal.SIGKILL)
        assert await process.wait() == -signal.SIGKILL
        assert writer is not None
        assert writer[1] is not None, "the killed transaction had written nothing"
        for _ in range(100):  # PostgreSQL notices the dead client and rolls its transaction back
            if await _writer(database) is None:
                break
            await asyncio.sleep(0.1)
        assert await issue_state(database, batch_id) == before  # nothing of the killed run survives

        rerun = await asyncio.create_subprocess_exec(
            CERTREG, "issue-batch", str(batch_id), env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(rerun.communicate(), timeout=60)
        assert rerun.returncode == 0, err.decode()
        assert str(ROWS) in out.decode()

        same_row = (Certificate.batch_id == batch_id) & (Certificate.batch_row_no == BatchRow.row_no)
        async with database.reader() as session:
            rows = (
                await session.execute(
                    select(BatchRow.row_no, BatchRow.status, BatchRow.certificate_number, Certificate.number)
                    .join(Certificate, same_row)
                    .where(BatchRow.batch_id == batch_id)
                )
            ).all()
            issued_events = await session.scalar(
                select(func.count()).select_from(Event).where(Event.kind == "certificate.issued")
            )
            events = await session.scalar(select(func.count()).select_from(Event))
            log_size = await session.scalar(select(LogHead.size))
            counters = dict((await session.execute(select(SequenceCounter.scope, SequenceCounter.next_value))).all())
        assert len(rows) == ROWS  # every row has exactly one certificate (the join would repeat a row)
        assert {status for _, status, _, _ in rows} == {"issued"}
        assert all(marked == number for _, _, marked, number in rows)
        sequences = sorted(parse_any(HUNAN, number)[1].sequence for _, _, _, number in rows)
        assert sequences == list(range(1, ROWS + 1))  # no gap, no repeat
        numbering = {scope: value for scope, value in counters.items() if not scope.startswith(("print|", "status:"))}
        assert list(numbering.values()) == [ROWS + 1]
        # credential status positions: one per certificate, no gap either (docs/credentials.md)
        assert [value for scope, value in counters.items() if scope.startswith("status:")] == [ROWS + 1]
        assert [value for scope, value in counters.items() if scope.startswith("print|")] == [ROWS + 1]  # serials too
        assert issued_events == ROWS
        assert log_size == events
