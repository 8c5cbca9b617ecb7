"""A legacy import killed in the middle (a real ``certreg`` process, SIGKILL) resumes where it stopped: the
chunks it committed stay, the one it was writing is gone entirely, and running the same file again stores
exactly the rest — every number once, one origin event each. Killed with its worker processes running (a
large file's import), it leaves none of them behind."""

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
from tests.support import empty_tables
from tests.support_processes import CERTREG, alive, certreg_env, children, cmdline

ROWS, CHUNK = 3000, 250


async def _counts(database: Database) -> tuple[int, int, int]:
    async with database.reader() as session:
        certificates = await session.scalar(select(func.count()).select_from(Certificate))
        origins = await session.scalar(
            select(func.count()).select_from(Event).where(Event.kind == "certificate.imported")
        )
        identities = await session.scalar(select(func.count()).select_from(HolderIdentity))
    return int(certificates or 0), int(origins or 0), int(identities or 0)


async def _setup(database: Database, db_url: str, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    await empty_tables(database)
    await seed_world(database)
    await add_keys(database, key_store(tmp_path / "keys"))
    path = tmp_path / "legacy.csv"
    path.write_bytes(csv_bytes(skill_rows(ROWS)))
    env = certreg_env(db_url, tmp_path / "keys")
    return path, env


async def _start_and_wait(command: list[str], env: dict[str, str], stored: int) -> asyncio.subprocess.Process:
    """The import started, once it has said (one line per stored chunk) that ``stored`` rows are stored."""
    process = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    assert process.stderr is not None
    seen: list[str] = []
    while True:
        line = (await asyncio.wait_for(process.stderr.readline(), timeout=120)).decode()
        assert line, f"the import ended before storing {stored} rows: {seen}"
        seen.append(line.strip())
        if f"legacy: stored {stored}/" in line:
            return process


async def test_a_killed_import_resumes_where_it_stopped(db_url: str, tmp_path: Path) -> None:
    database = Database(db_url)
    try:
        path, env = await _setup(database, db_url, tmp_path)
        command = [CERTREG, "legacy", "import", str(path), "--source", "hunan-osta", "--chunk-size", str(CHUNK)]
        process = await _start_and_wait(command, env, 2 * CHUNK)  # kill after the second chunk
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


#: ``certreg`` with a small file taken as a large one, so the import runs in worker processes.
WITH_WORKERS = (
    "import sys; from issuer.legacy import service; service.MIN_PARALLEL_ROWS = 1; from issuer.cli import main; "
    "sys.argv[0] = 'certreg'; main()"
)


def _with_workers(path: Path) -> list[str]:
    """The import of ``path`` in two worker processes, a chunk of :data:`CHUNK` rows at a time."""
    return [sys.executable, "-c", WITH_WORKERS, "legacy", "import", str(path), "--source", "hunan-osta",
            "--chunk-size", str(CHUNK), "--processes", "2"]  # fmt: skip


async def _still_running(workers: list[int]) -> list[int]:
    """The ``workers`` still running after up to ten seconds."""
    for _ in range(100):
        if not any(alive(pid) for pid in workers):
            break
        await asyncio.sleep(0.1)
    return [pid for pid in workers if alive(pid)]


def _end_left_behind(workers: list[int]) -> None:
    """A worker a test saw left behind (its failure) is ended here."""
    for pid in workers:
        if alive(pid) and "multiprocessing" in cmdline(pid):
            os.kill(pid, signal.SIGKILL)


async def test_a_killed_import_leaves_no_worker_process_behind(db_url: str, tmp_path: Path) -> None:
    """The workers waited for tasks forever once their importer was killed, each holding the province's
    signing key and the key-encryption key opened; they now end with it, and the re-run completes."""
    database = Database(db_url)
    workers: list[int] = []
    try:
        path, env = await _setup(database, db_url, tmp_path)
        command = _with_workers(path)
        process = await _start_and_wait(command, env, CHUNK)
        workers = [pid for pid in children(process.pid) if "multiprocessing" in cmdline(pid)]
        assert len(workers) >= 2, workers  # the two workers (and the resource tracker)
        process.send_signal(signal.SIGKILL)
        assert await _still_running(workers) == []
        # (asyncio's wait() also waits for the stderr pipe, which a worker left running kept open)
        assert await asyncio.wait_for(process.wait(), timeout=30) == -signal.SIGKILL

        rerun = await asyncio.create_subprocess_exec(
            *command, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        out, err = await asyncio.wait_for(rerun.communicate(), timeout=300)
        assert rerun.returncode == 0, err.decode()
        assert f"{ROWS} rows, imported " in " ".join(out.decode().split())
        assert await _counts(database) == (ROWS, ROWS, ROWS)
    finally:
        _end_left_behind(workers)
        await empty_tables(database)
        await database.dispose()
