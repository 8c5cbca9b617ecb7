"""``-o FILE`` of the document commands (``certificates pdf``, ``certificates test-print``, ``batches
certificates``): the file appears whole or not at all. The batch's file (a zip or print run of a whole batch,
full identities in it) was copied straight into FILE: Ctrl-C or a failing disk in the middle left a truncated
file there under the name asked for (and a copy cancelled mid-way went on in its thread while its files were
closed under it)."""

from __future__ import annotations

import asyncio
import io
import threading
from pathlib import Path

import pytest

from issuer.cli.output import copy_output, write_output

CHUNK = 1 << 20


class FailingSource(io.RawIOBase):
    """A fake for a fault no real file shows on demand: it gives one chunk, then its device fails."""

    def __init__(self) -> None:
        self.given = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self.given:
            raise OSError(5, "Input/output error")
        self.given = len(buffer)
        buffer[:] = b"x" * len(buffer)
        return len(buffer)


class StallingSource(io.RawIOBase):
    """A fake for a slow source (a large batch file on a busy disk): one chunk, then it waits until released."""

    def __init__(self) -> None:
        self.reading, self.release = threading.Event(), threading.Event()
        self.reads = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        self.reads += 1
        if self.reads > 1:
            self.reading.set()
            self.release.wait(timeout=30)
        buffer[:] = b"y" * len(buffer)
        return len(buffer)


def test_a_copy_that_fails_leaves_no_file_and_keeps_the_one_there(tmp_path: Path) -> None:
    out = tmp_path / "batch.zip"
    out.write_bytes(b"the previous export")
    with pytest.raises(OSError, match="Input/output error"):
        asyncio.run(copy_output(io.BufferedReader(FailingSource()), out))
    assert out.read_bytes() == b"the previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["batch.zip"]


def test_a_copy_interrupted_leaves_no_file_and_its_thread_ends(tmp_path: Path) -> None:
    out = tmp_path / "batch.zip"
    source = StallingSource()

    async def interrupt() -> None:
        copying = asyncio.create_task(copy_output(io.BufferedReader(source), out))
        assert await asyncio.to_thread(source.reading.wait, 30)
        copying.cancel()
        await asyncio.sleep(0.05)
        source.release.set()
        with pytest.raises(asyncio.CancelledError):
            await copying

    asyncio.run(interrupt())
    reads = source.reads
    assert reads <= 3  # stopped at the next chunk, not copying on to the end in its thread
    assert list(tmp_path.iterdir()) == []


def test_a_complete_copy_and_write_replace_the_file(tmp_path: Path) -> None:
    out = tmp_path / "c.pdf"
    out.write_bytes(b"old")
    asyncio.run(copy_output(io.BytesIO(b"z" * (3 * CHUNK + 5)), out))
    assert out.read_bytes() == b"z" * (3 * CHUNK + 5)
    write_output(out, b"%PDF-new")
    assert out.read_bytes() == b"%PDF-new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.pdf"]
