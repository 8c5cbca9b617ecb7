"""``certreg batches certificates`` killed (SIGKILL) while its worker processes draw the batch's PDFs: no worker
is left behind. They waited for chunks for ever once the command was gone (a ``ProcessPoolExecutor`` worker
never learns that its parent died), each holding the holders' full identities it was drawing."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from registry.db import Database
from tests.factories import add_keys, key_store, seed_world
from tests.factories.world import holder_name, resident_id
from tests.integration.issuing.batches import Row
from tests.integration.issuing.sealed import seal_and_issue
from tests.integration.log.tampering import log_seeded_filings
from tests.support import ID_HASH_KEY, empty_tables, make_settings
from tests.support_processes import busy_workers, end_left_behind, still_running

CERTREG = str(Path(sys.executable).parent / "certreg")
#: Ten chunks of 32 documents: both workers draw for a second or more.
CERTIFICATES = 320


async def test_a_killed_batch_build_leaves_no_worker_process_behind(db_url: str, tmp_path: Path) -> None:
    database = Database(db_url)
    workers: dict[int, str] = {}
    try:
        await empty_tables(database)
        await seed_world(database)
        await log_seeded_filings(database)
        store = key_store(tmp_path / "keys")
        await add_keys(database, store)
        settings = make_settings(database_url=db_url, key_dir=str(tmp_path / "keys"))
        rows = [Row(name=holder_name(i), holder_id=resident_id(i)) for i in range(CERTIFICATES)]
        batch_id, _ = await seal_and_issue(database, store, settings, rows)
        env = {
            **os.environ,
            "CERTREG_DATABASE_URL": db_url,
            "CERTREG_KEY_DIR": str(tmp_path / "keys"),
            "CERTREG_KEY_PASSPHRASE": "test-passphrase",
            "CERTREG_KEY_KDF": "insecure-test-only",
            "CERTREG_ID_HASH_KEY": ID_HASH_KEY,
            "CERTREG_PUBLIC_URL": "http://testserver",
            "CERTREG_REDIS_URL": "",
        }
        command = [CERTREG, "batches", "certificates", str(batch_id), "-o", str(tmp_path / "batch.zip")]
        process = await asyncio.create_subprocess_exec(
            *command, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
        )
        # forked workers (the command line of their parent), killed once each has drawn for 0.2 s of CPU
        workers = await asyncio.to_thread(busy_workers, process.pid, 2, cpu=0.2)
        process.send_signal(signal.SIGKILL)
        assert await process.wait() == -signal.SIGKILL
        assert await asyncio.to_thread(still_running, workers, within=5) == []
    finally:
        end_left_behind(workers)
        await empty_tables(database)
        await database.dispose()
