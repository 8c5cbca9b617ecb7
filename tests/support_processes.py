"""Real ``certreg`` processes (their command and environment) and processes as ``/proc`` shows them (Linux):
the children of a process, whether one still runs, its command line, its CPU time. For the tests that kill a
``certreg`` process and check what it leaves behind."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from tests.integration.cli.support import command_env
from tests.support import ID_HASH_KEY

#: The ``certreg`` command of this environment.
CERTREG = str(Path(sys.executable).parent / "certreg")


def certreg_env(db_url: str, key_dir: Path | str, **extra: str) -> dict[str, str]:
    """The environment of a real ``certreg`` process: this process's, with the database, the key directory
    opened with the test passphrase and KDF, the test ID hash key and no Redis; ``extra`` adds or overrides."""
    env = {**os.environ, **command_env(db_url, key_dir, CERTREG_ID_HASH_KEY=ID_HASH_KEY), **extra}
    if "CERTREG_REDIS_URL" not in extra:
        env.pop("CERTREG_REDIS_URL", None)
    return env


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie has ended; only its exit status waits to be collected)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def cmdline(pid: int) -> str:
    """The command line of ``pid``, arguments joined by spaces (empty once it has ended)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def cpu_seconds(pid: int) -> float:
    """The CPU time ``pid`` has used, user and system (0 once it has ended)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def end_left_behind(seen: dict[int, str]) -> None:
    """SIGKILL each process of ``seen`` (pid → its command line when seen) that still runs that command line:
    the workers a failed test saw left behind, never a process that took a pid over since."""
    for pid, command in seen.items():
        if alive(pid) and cmdline(pid) == command:
            os.kill(pid, signal.SIGKILL)


def busy_workers(parent: int, count: int, *, marker: str = "", cpu: float, limit: float = 120) -> dict[int, str]:
    """The worker processes of ``parent`` (its children whose command line holds ``marker``; the resource
    tracker left out), once ``count`` of them have each used ``cpu`` seconds of CPU, more than starting costs
    (a spawned worker: about 0.5 s; a forked one: nothing), so they are at work: pid → command line. Fails
    when ``parent`` ends first or after ``limit`` seconds."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and alive(parent):
        workers = {pid: cmdline(pid) for pid in children(parent)}
        workers = {pid: line for pid, line in workers.items() if marker in line and "resource_tracker" not in line}
        if sum(cpu_seconds(pid) >= cpu for pid in workers) >= count:
            return workers
        time.sleep(0.05)
    raise AssertionError(f"{parent} ended or had no {count} workers at work within {limit} s")


def still_running(pids: Iterable[int], *, within: float) -> list[int]:
    """Those of ``pids`` still running after ``within`` seconds ([] as soon as none is)."""
    deadline = time.monotonic() + within
    while (left := [pid for pid in pids if alive(pid)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


async def left_by_a_kill_at_work(
    command: list[str], env: dict[str, str], *, workers: int, cpu: float, marker: str = ""
) -> list[int]:
    """Start ``command``, SIGKILL it once ``workers`` of its worker processes are at work (:func:`busy_workers`
    with ``marker`` and ``cpu``), and return those workers still running 5 s later (each then SIGKILLed by pid,
    so a failing test leaves none behind either)."""
    process = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    seen: dict[int, str] = {}
    try:
        seen = await asyncio.to_thread(busy_workers, process.pid, workers, marker=marker, cpu=cpu)
        process.send_signal(signal.SIGKILL)
        assert await process.wait() == -signal.SIGKILL
        return await asyncio.to_thread(still_running, seen, within=5)
    finally:
        end_left_behind(seen)
        if process.returncode is None:
            process.kill()
            await process.wait()
