"""Worker processes that end with the process that started them.

A ``ProcessPoolExecutor`` worker never learns that its parent is gone: killed (SIGKILL, the OOM killer), the
parent leaves its workers waiting for tasks for ever, each holding what it was given (a slice of the registry,
opened keys). Every pool of this project (the legacy import's, the audit's, the document and QR renderers')
starts its workers with :func:`watch_parent`, which ends a worker as soon as its parent is gone.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Final

#: How often a worker looks whether the process that started it is still alive.
PARENT_POLL_SECONDS: Final = 0.5


def exit_with_parent(parent: int) -> None:
    """End this process as soon as its parent is no longer ``parent`` (which died: the process was re-parented
    to init or a subreaper). Never returns."""
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)


def watch_parent(parent: int) -> None:
    """In a worker process (a pool's initializer), start a daemon thread running :func:`exit_with_parent`.

    ``parent`` is the pid the parent gave (its ``os.getpid()`` as an initializer argument), not this process's
    ``os.getppid()``: a parent killed before this ran has already left init as the parent, and the worker ends
    at once instead of watching init.
    """
    threading.Thread(target=exit_with_parent, args=(parent,), name="exit-with-parent", daemon=True).start()
