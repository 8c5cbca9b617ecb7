"""The ``-o FILE`` of a command: the file appears whole or not at all.

Written beside it as ``.NAME.partial`` (the same directory, so the rename is atomic) and renamed onto it once
complete; anything that stops the writing — Ctrl-C, a full disk, a source that fails — removes the partial
file and leaves a FILE already there as it was. A batch's certificates were copied straight into FILE: cut
short, they left a truncated zip or print run (full identities in it) under the name asked for.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, BinaryIO

#: How much the copy reads at a time: how long an interrupted copy takes to notice it was stopped.
CHUNK = 1 << 20


@contextmanager
def _partial(output: Path) -> Iterator[BinaryIO]:
    partial = output.with_name(f".{output.name}.partial")
    try:
        with partial.open("wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        partial.replace(output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def write_output(output: Path, data: bytes) -> None:
    """``data`` as the file ``output``, whole or not at all."""
    with _partial(output) as handle:
        handle.write(data)


def _copy(source: IO[bytes], target: BinaryIO, stop: threading.Event) -> None:
    while not stop.is_set():
        chunk = source.read(CHUNK)
        if not chunk:
            return
        target.write(chunk)


async def copy_output(source: IO[bytes], output: Path) -> None:
    """``source`` copied to the file ``output`` in a thread, whole or not at all; cancelled (Ctrl-C), the copy
    stops at its next chunk and the thread has ended before the files are closed and the partial one removed.
    Closes ``source``."""
    stop = threading.Event()
    with source, _partial(output) as target:
        copying = asyncio.ensure_future(asyncio.to_thread(_copy, source, target, stop))
        try:
            await asyncio.shield(copying)
        except asyncio.CancelledError:
            stop.set()
            await asyncio.wait([copying])
            raise
