"""The hang report (tests/hang_report.py): a hung async test prints the stacks of its event loop's tasks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

HUNG = """
import asyncio
import threading

async def waits_forever(event: asyncio.Event) -> None:
    await event.wait()

async def waits_in_the_portal() -> None:
    await asyncio.Event().wait()

async def test_hangs() -> None:
    # as litestar's test clients do: the app in a thread with a loop of its own
    threading.Thread(target=asyncio.run, args=(waits_in_the_portal(),), name="portal", daemon=True).start()
    await asyncio.create_task(waits_forever(asyncio.Event()))
"""


@pytest.mark.slow
def test_a_hung_async_test_reports_the_task_that_waits(tmp_path: Path) -> None:
    (tmp_path / "test_hung.py").write_text(HUNG)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests.hang_report",
            "-p",
            "no:cacheprovider",
            "--timeout",  # the report comes at 70 % of it (1.4 s), the test hangs at once: seconds only cost
            "2",
            "-o",
            "asyncio_mode=auto",
            "-o",
            "asyncio_default_fixture_loop_scope=function",
            "--rootdir",
            str(tmp_path),
            "-c",
            os.devnull,
            str(tmp_path / "test_hung.py"),
        ],
        check=False,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stdout[-2000:]
    assert "test_hung.py::test_hangs runs for" in result.stdout
    assert "asyncio tasks of the loop in thread MainThread: 2" in result.stdout
    assert "asyncio tasks of the loop in thread portal: 1" in result.stdout
    assert "in waits_in_the_portal" in result.stdout, "the other loop's task is named too"
    assert "in waits_forever" in result.stdout, "the frame that waits is named"
    assert "await event.wait()" in result.stdout
    assert "locks.py" in result.stdout, "down to the awaited library coroutine"
