"""``certreg batches certificates`` killed (SIGKILL) while its worker processes draw the batch's PDFs: no worker
is left behind. They waited for chunks for ever once the command was gone (a ``ProcessPoolExecutor`` worker
never learns that its parent died), each holding the holders' full identities it was drawing."""

from __future__ import annotations

from pathlib import Path

from registry.db import Database
from tests.factories import add_keys, key_store, seed_world
from tests.factories.world import holder_name, resident_id
from tests.integration.issuing.batches import Row
from tests.integration.issuing.sealed import seal_and_issue
from tests.integration.log.tampering import log_seeded_filings
from tests.support import empty_tables, make_settings
from tests.support_processes import CERTREG, certreg_env, left_by_a_kill_at_work

#: Ten chunks of 32 documents: both workers draw for a second or more.
CERTIFICATES = 320


async def test_a_killed_batch_build_leaves_no_worker_process_behind(db_url: str, tmp_path: Path) -> None:
    database = Database(db_url)
    try:
        await empty_tables(database)
        await seed_world(database)
        await log_seeded_filings(database)
        store = key_store(tmp_path / "keys")
        await add_keys(database, store)
        settings = make_settings(database_url=db_url, key_dir=str(tmp_path / "keys"))
        rows = [Row(name=holder_name(i), holder_id=resident_id(i)) for i in range(CERTIFICATES)]
        batch_id, _ = await seal_and_issue(database, store, settings, rows)
        env = certreg_env(db_url, tmp_path / "keys", CERTREG_PUBLIC_URL="http://testserver")
        command = [CERTREG, "batches", "certificates", str(batch_id), "-o", str(tmp_path / "batch.zip")]
        # forked workers (the command line of their parent), killed once each has drawn for 0.2 s of CPU
        assert await left_by_a_kill_at_work(command, env, workers=2, cpu=0.2) == []
    finally:
        await empty_tables(database)
        await database.dispose()
