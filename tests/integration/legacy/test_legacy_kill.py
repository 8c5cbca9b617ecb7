"""A legacy import killed in the middle (a real ``certreg`` process, SIGKILL) resumes where it stopped: the
chunks it committed stay, the one it was writing is gone entirely, and running the same file again stores
exactly the rest — every number once, one origin event each."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from sqlalchemy import func, select

from registry.db import Database
from registry.models import Certificate, Event, HolderIdentity
from tests.factories import add_keys, key_store, seed_world
from tests.integration.legacy.files import csv_bytes, skill_rows
from tests.support import ID_HASH_KEY, empty_tables

CERTREG = str(Path(sys.executable).parent / "certreg")
ROWS, CHUNK = 3000, 250


async def _counts(database: Database) -> tuple[int, int, int]:
    async with database.reader() as session:
        certificates = await session.scalar(select(func.count()).select_from(Certificate))
        origins = await session.scalar(
            select(func.count()).select_from(Event).where(Event.kind == "certificate.imported")
        )
        identities = await session.scalar(select(func.count()).select_from(HolderIdentity))
    return int(certificates or 0), int(origins or 0), int(identities or 0)


async def test_a_killed_import_resumes_where_it_stopped(db_url: str, tmp_path: Path) -> None:
    database = Database(db_url)
    try:
        await empty_tables(database)
        await seed_world(database)
        await add_keys(database, key_store(tmp_path / "keys"))
        path = tmp_path / "legacy.csv"
        path.write_bytes(csv_bytes(skill_rows(ROWS)))
        env = {
            **os.environ,
            "CERTREG_DATABASE_URL": db_url,
            "CERTREG_KEY_DIR": str(tmp_path / "keys"),
            "CERTREG_KEY_PASSPHRASE": "test-passphrase",
            "CERTREG_KEY_KDF": "insecure-test-only",
            "CERTREG_ID_HASH_KEY": ID_HASH_KEY,
        }
        env.pop("CERTREG_REDIS_URL", None)
        command = [CERTREG, "legacy", "import", str(path), "--source", "hunan-osta", "--chunk-size", str(CHUNK)]
        process = await asyncio.create_subprocess_exec(
            *command, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
        )
        assert process.stderr is not None
        seen: list[str] = []
        while True:  # one line per stored chunk: kill after the second
            line = (await asyncio.wait_for(process.stderr.readline(), timeout=120)).decode()
            assert line, f"the import ended before storing two chunks: {seen}"
            seen.append(line.strip())
            if f"legacy: stored {2 * CHUNK}/" in line:
                break
        process.send_signal(signal.SIGKILL)
        assert await process.wait() == -signal.SIGKILL
        for _ in range(100):  # PostgreSQL rolls the dead client's open transaction back
            stored, origins, identities = await _counts(database)
            if stored % CHUNK == 0:
                break
            await asyncio.sleep(0.1)
        assert 2 * CHUNK <= stored < ROWS  # whole chunks only: nothing of the one being written survives
        assert stored % CHUNK == 0
        assert origins == identities == stored

        rerun = await asyncio.create_subprocess_exec(
            *command, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        out, err = await asyncio.wait_for(rerun.communicate(), timeout=300)
        assert rerun.returncode == 0, err.decode()
        assert f"imported {ROWS - stored}" in " ".join(out.decode().split())
        assert f"already there {stored}" in " ".join(out.decode().split())
        assert await _counts(database) == (ROWS, ROWS, ROWS)
        async with database.reader() as session:
            repeated = await session.scalar(
                select(func.count())
                .select_from(select(Event.subject).where(Event.kind == "certificate.issued").group_by(Event.subject)
                             .having(func.count() > 1).subquery())
            )  # fmt: skip
        assert repeated == 0
    finally:
        await empty_tables(database)
        await database.dispose()
