"""Ending a background task for certain, even when its cancellation is swallowed on the way.

On Python 3.11, ``asyncio.wait_for`` can swallow a cancellation that arrives as its inner call completes
(CPython gh-86296, fixed in 3.12), and a Redis client may catch the ``CancelledError`` that interrupts a command
and go on with a connection error. A loop that then carries on never ends, and whatever awaits it after one
``cancel()`` waits for ever: a verify app's shut-down hung this way, twice in one full test run (the subscriber
in ``_close``'s ``wait_for``, the rate-limit sync inside a Redis pipeline; tests/hang_report.py showed both
tasks "cancelling" and back in their loops' sleep).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Final

#: How long a cancelled task is given before it is cancelled again.
CANCEL_AGAIN_SECONDS: Final = 0.5


async def cancel_and_wait(task: asyncio.Task[object]) -> None:
    """Cancel ``task`` and wait until it has ended, cancelling it again every ``CANCEL_AGAIN_SECONDS`` while it
    goes on (a swallowed cancellation). What the task raised other than its cancellation is raised here."""
    task.cancel()
    while not task.done():
        await asyncio.wait([task], timeout=CANCEL_AGAIN_SECONDS)
        if not task.done():
            task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
