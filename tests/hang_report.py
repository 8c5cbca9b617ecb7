"""A test that hangs explains itself: before pytest-timeout ends it, every asyncio task's stack is printed.

pytest-timeout (``timeout`` in pyproject.toml) dumps the threads' stacks, which for a hung ``async`` test shows
only the event loop idle in ``select``: the coroutine that waits forever is a task's frame, not a thread's.
Two verify apps shutting down in one test hung a handful of times in hundreds of full runs (see the closing
notes); this report is what the next occurrence should be read from.

One daemon thread watches the running test; ``REPORT_LEAD_SECONDS`` before the timeout (or, for a short timeout,
in its last 30 %) it finds the event loops on every thread's stack and prints the await chain of each of their
tasks to stderr, which pytest shows with the failed test.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from types import FrameType

import pytest

#: How long before the timeout the report is printed: time enough to print before the test is ended.
REPORT_LEAD_SECONDS = 45.0


class _Watch:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.started: float | None = None
        self.nodeid = ""
        self.reported = False


_watch = _Watch()


def _loop_on_stack(frame: FrameType | None) -> asyncio.AbstractEventLoop | None:
    while frame is not None:
        candidate = frame.f_locals.get("self")
        if isinstance(candidate, asyncio.AbstractEventLoop):
            return candidate
        frame = frame.f_back
    return None


def report_tasks() -> str:
    """The await chains of the tasks of every event loop running in this process, thread by thread.

    Not only the test's own loop: litestar's test clients run the app (its requests, its start-up and shut-down)
    in a portal thread with a loop of its own, while the test's loop waits for it synchronously; a shut-down
    that never ends waits in the portal's loop."""
    names = {thread.ident: thread.name for thread in threading.enumerate()}
    lines: list[str] = []
    for thread_id, frame in sys._current_frames().items():
        loop = _loop_on_stack(frame)
        if loop is not None:
            lines.append(_loop_report(loop, names.get(thread_id, str(thread_id))))
    return "".join(lines) or "no running asyncio loop\n"


def _loop_report(loop: asyncio.AbstractEventLoop, thread: str) -> str:
    for _attempt in range(5):  # all_tasks reads a set the loop's thread may change meanwhile
        try:
            tasks = list(asyncio.all_tasks(loop))
            break
        except RuntimeError:
            time.sleep(0.01)
    else:
        return f"asyncio tasks of the loop in thread {thread}: its task set kept changing; no report\n"
    lines = [f"asyncio tasks of the loop in thread {thread}: {len(tasks)}\n"]
    for task in tasks:
        lines.append(f"--- {task!r}\n")
        for frame in _await_chain(task):
            lines.extend(traceback.format_stack(frame, limit=1))
        waited = getattr(task, "_fut_waiter", None)
        if waited is not None:
            lines.append(f"    waiting on {waited!r}\n")
    return "".join(lines)


def _await_chain(task: asyncio.Task[object]) -> list[FrameType]:
    """The frames from the task's coroutine down to the innermost awaited one (``Task.get_stack`` stops at the
    first: the library call that never returns is the one worth seeing)."""
    frames: list[FrameType] = []
    awaited: object = task.get_coro()
    while awaited is not None and len(frames) < 100:
        frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "gi_frame", None)
        if frame is not None:
            frames.append(frame)
        awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None)
    return frames


def _watchdog(report_at: float) -> None:
    while True:
        time.sleep(min(2.0, report_at / 10))
        with _watch.lock:
            due = _watch.started is not None and not _watch.reported and time.monotonic() - _watch.started > report_at
            if due:
                _watch.reported = True
            nodeid = _watch.nodeid
        if due:
            sys.stderr.write(f"\n{nodeid} runs for {report_at:.0f} s:\n{report_tasks()}")
            sys.stderr.flush()


def pytest_configure(config: pytest.Config) -> None:
    timeout = float(config.getoption("timeout", None) or config.getini("timeout") or 0)
    if timeout > 0:
        threading.Thread(
            target=_watchdog,
            args=(timeout - min(REPORT_LEAD_SECONDS, timeout * 0.3),),
            name="hang-report",
            daemon=True,
        ).start()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    with _watch.lock:
        _watch.started, _watch.nodeid, _watch.reported = time.monotonic(), item.nodeid, False
    try:
        return (yield)
    finally:
        with _watch.lock:
            _watch.started = None
