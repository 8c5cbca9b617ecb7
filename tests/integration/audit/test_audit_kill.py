"""``certreg audit`` killed (SIGKILL) while its worker processes check the log: no worker is left behind. They
waited for tasks for ever once the auditor was gone (a ``ProcessPoolExecutor`` worker never learns that its
parent died), each holding a slice of the registry."""

from __future__ import annotations

from pathlib import Path

from registry.audit.parallel import MIN_PARALLEL_ROWS
from registry.db import Database
from registry.events import NewEvent, append_events
from tests.factories import add_keys, key_store, seed_world
from tests.support import empty_tables
from tests.support_processes import CERTREG, certreg_env, left_by_a_kill_at_work


async def test_a_killed_audit_leaves_no_worker_process_behind(db_url: str, tmp_path: Path) -> None:
    database = Database(db_url)
    try:
        await empty_tables(database)
        await seed_world(database)
        await add_keys(database, key_store(tmp_path / "keys"))
        # enough leaves for the audit to use every core
        events = [NewEvent(kind="batch.submitted", subject=f"b:{i}", actor="test") for i in range(MIN_PARALLEL_ROWS)]
        async with database.transaction() as session:
            await append_events(session, events)
        command = [CERTREG, "audit", "--state", str(tmp_path / "audit.json")]
        # killed as its workers start checking the log (0.5 s of CPU each: started; they go on to about 0.8 s)
        left = await left_by_a_kill_at_work(
            command, certreg_env(db_url, tmp_path / "keys"), workers=2, cpu=0.5, marker="multiprocessing.spawn"
        )
        assert left == []
    finally:
        await empty_tables(database)
        await database.dispose()
