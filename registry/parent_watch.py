"""Worker processes that end with the process that started them, and are ended by it alone.

A ``ProcessPoolExecutor`` worker never learns that its parent is gone: killed (SIGKILL, the OOM killer), the
parent leaves its workers waiting for tasks for ever, each holding what it was given (a slice of the registry,
opened keys). Every pool of this project (the legacy import's, the audit's, the document and QR renderers')
starts its workers with :func:`watch_parent`, which ends a worker as soon as its parent is gone.

Ctrl-C at a terminal sends SIGINT to the whole foreground process group, the workers too: each printed its
``KeyboardInterrupt`` traceback and the parent a ``BrokenProcessPool`` for every task in flight. A worker
never sees SIGINT: it is started with the signal blocked (:func:`worker_context`: the mask survives ``exec``,
so a spawned worker still importing its modules is covered too) and ignores it from its initializer on; its
parent, interrupted, stops handing out work and ends the pool (``certreg``'s one line: ``issuer/cli/__init__.py``).
"""

from __future__ import annotations

import multiprocessing.context
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final, Literal

#: How often a worker looks whether the process that started it is still alive.
PARENT_POLL_SECONDS: Final = 0.5


def exit_with_parent(parent: int) -> None:
    """End this process as soon as its parent is no longer ``parent`` (which died: the process was re-parented
    to init or a subreaper). Never returns."""
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)


def watch_parent(parent: int) -> None:
    """In a worker process (a pool's initializer), ignore SIGINT (the parent decides) and start a daemon
    thread running :func:`exit_with_parent`.

    ``parent`` is the pid the parent gave (its ``os.getpid()`` as an initializer argument), not this process's
    ``os.getppid()``: a parent killed before this ran has already left init as the parent, and the worker ends
    at once instead of watching init.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=exit_with_parent, args=(parent,), name="exit-with-parent", daemon=True).start()


@contextmanager
def _sigint_blocked() -> Iterator[None]:
    """SIGINT blocked in this thread meanwhile (a child started now inherits the mask; one sent meanwhile is
    delivered when it ends)."""
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


class _SpawnWorker(multiprocessing.context.SpawnProcess):
    def start(self) -> None:
        with _sigint_blocked():
            super().start()


class _ForkWorker(multiprocessing.context.ForkProcess):
    def start(self) -> None:
        with _sigint_blocked():
            super().start()


class _SpawnContext(multiprocessing.context.SpawnContext):
    Process = _SpawnWorker


class _ForkContext(multiprocessing.context.ForkContext):
    Process = _ForkWorker


def worker_context(method: Literal["spawn", "fork"]) -> multiprocessing.context.BaseContext:
    """The ``mp_context`` of every pool: ``method``'s, its workers started with SIGINT blocked (the module
    docstring)."""
    return _SpawnContext() if method == "spawn" else _ForkContext()
