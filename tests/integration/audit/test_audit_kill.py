"""``certreg audit`` killed (SIGKILL) while its worker processes check the log: no worker is left behind. They
waited for tasks for ever once the auditor was gone (a ``ProcessPoolExecutor`` worker never learns that its
parent died), each holding a slice of the registry."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from registry.audit.parallel import MIN_PARALLEL_ROWS
from registry.db import Database
from registry.events import NewEvent, append_events
from tests.factories import add_keys, key_store, seed_world
from tests.support import ID_HASH_KEY, empty_tables
from tests.support_processes import busy_workers, end_left_behind, still_running

CERTREG = str(Path(sys.executable).parent / "certreg")


async def test_a_killed_audit_leaves_no_worker_process_behind(db_url: str, tmp_path: Path) -> None:
    database = Database(db_url)
    workers: dict[int, str] = {}
    try:
        await empty_tables(database)
        await seed_world(database)
        await add_keys(database, key_store(tmp_path / "keys"))
        # enough leaves for the audit to use every core
        events = [NewEvent(kind="batch.submitted", subject=f"b:{i}", actor="test") for i in range(MIN_PARALLEL_ROWS)]
        async with database.transaction() as session:
            await append_events(session, events)
        env = {
            **os.environ,
            "CERTREG_DATABASE_URL": db_url,
            "CERTREG_KEY_DIR": str(tmp_path / "keys"),
            "CERTREG_KEY_PASSPHRASE": "test-passphrase",
            "CERTREG_KEY_KDF": "insecure-test-only",
            "CERTREG_ID_HASH_KEY": ID_HASH_KEY,
        }
        env.pop("CERTREG_REDIS_URL", None)
        process = await asyncio.create_subprocess_exec(
            CERTREG, "audit", "--state", str(tmp_path / "audit.json"),
            env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        # killed as its workers start checking the log (0.5 s of CPU each: started; they go on to about 0.8 s)
        workers = await asyncio.to_thread(busy_workers, process.pid, 2, marker="multiprocessing.spawn", cpu=0.5)
        process.send_signal(signal.SIGKILL)
        assert await process.wait() == -signal.SIGKILL
        assert await asyncio.to_thread(still_running, workers, within=5) == []
    finally:
        end_left_behind(workers)
        await empty_tables(database)
        await database.dispose()
