"""Pass 1's checked chunks, kept until pass 2 signs and stores them, so each row is read, checked and sealed
once (issue 13: checking every row again in pass 2 cost a third of the workers' time).

What is kept is what signing and storing a row take — its checked fields and its sealed identity (never a
clear document number) — as the workers encoded it (MessagePack, :class:`issuer.legacy.workers.Checked`). It
lives in a :class:`tempfile.SpooledTemporaryFile`: in memory up to :data:`MEMORY_BYTES` (an upload), else an
anonymous temporary file, unlinked from the start, so it disappears with the process however that ends (a
killed import leaves nothing behind). A million rows take about 330 MB of disk, not of memory.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import Final

MEMORY_BYTES: Final = 16 * 1024 * 1024
_LENGTH: Final = 8


class Spool:
    """Chunks written in order, then read back in the same order (once)."""

    def __init__(self, memory: int = MEMORY_BYTES) -> None:
        self._file = tempfile.SpooledTemporaryFile(max_size=memory)  # noqa: SIM115 - closed by close()
        self.chunks = 0

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._file.close()

    def write(self, chunk: bytes) -> None:
        self._file.write(len(chunk).to_bytes(_LENGTH, "little"))
        self._file.write(chunk)
        self.chunks += 1

    def read(self) -> Iterator[bytes]:
        """Every chunk written, in order."""
        self._file.seek(0)
        for _ in range(self.chunks):
            size = int.from_bytes(self._file.read(_LENGTH), "little")
            yield self._file.read(size)
