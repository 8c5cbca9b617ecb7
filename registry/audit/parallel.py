"""Spreading the audit's per-row checks over every core: ordered, memory-bounded, from async code.

Why: at 1M certificates the audit ran 363 s on one core, Ed25519 verification 36 % and per-row Python
checks 40 % of it (issue 12). The rows are read in key order by the event loop (the database is one
connection in one snapshot) and handed, a chunk at a time, to worker processes that check them and hand back
only what they found (and, for leaves, the leaf hashes the tree rebuild needs); on PostgreSQL the leaf
pass hands out ranges instead, which each worker reads itself in the same snapshot
(:mod:`registry.audit.leafreader`). At most two chunks per worker are in flight, so memory stays flat
whatever the registry's size; results come back in input order, so the report lists discrepancies in the
same order as a run on one core.

Workers are started with ``spawn`` (never ``fork``: the parent holds live database connections and
threads), and only for registries large enough to repay the start (:data:`MIN_PARALLEL_ROWS`); below that
the same functions run in the event loop's process. A spawned worker would also re-run the caller's main
module (the ``certreg`` CLI or a bench: the whole issuer imported, 20 % of a 100k audit's CPU in py-spy);
the checks need only their own modules, so the main module is hidden while a worker is launched.

A chunk crosses to a worker as one MessagePack document (:func:`encode_chunk`) that the worker decodes
straight into its row Structs: pickling tuples of dates and bytes cost the reading process more than reading
them (issue 12). Without workers the same bytes are made and decoded, so both ways run the same code.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import sys
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Final, TypeVar

import msgspec

from registry.parent_watch import watch_parent

#: Fewer rows than this are checked in-process: spawning workers costs about a second.
MIN_PARALLEL_ROWS: Final = 20_000

R = TypeVar("R")
T = TypeVar("T")


#: One chunk of rows (tuples of plain column values) as the bytes a worker decodes.
encode_chunk: Final[Callable[[Sequence[Sequence[Any]]], bytes]] = msgspec.msgpack.Encoder().encode


@contextlib.contextmanager
def _main_module_hidden() -> Iterator[None]:
    """``spawn`` re-runs ``__main__`` in a new worker when it has a ``__spec__`` or a ``__file__``."""
    main = sys.modules["__main__"]
    spec, path = getattr(main, "__spec__", None), vars(main).pop("__file__", None)
    main.__spec__ = None  # multiprocessing.spawn reads it unguarded
    try:
        yield
    finally:
        main.__spec__ = spec
        if path is not None:
            main.__file__ = path


def default_processes() -> int:
    """Every core this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class ChunkPool:
    """A process pool (or, with ``processes <= 1``, none) mapping a chunk check over async chunks in order."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> ChunkPool:
        if self.processes > 1:
            self._pool = ProcessPoolExecutor(
                max_workers=self.processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=watch_parent,  # a killed audit left its workers waiting for ever
                initargs=(os.getpid(),),
            )
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    @property
    def parallel(self) -> bool:
        """Whether chunks go to worker processes (inside the ``with`` block)."""
        return self._pool is not None

    async def map(self, work: Callable[[T], R], chunks: AsyncIterator[T]) -> AsyncIterator[R]:
        """``work(chunk)`` for each chunk (bytes made by :func:`encode_chunk`, or what ``work`` reads itself: a
        range), in order; ``work`` must be a picklable module-level function (or a partial of one)."""
        if self._pool is None:
            async for chunk in chunks:
                yield work(chunk)
            return
        window: deque[asyncio.Future[R]] = deque()
        loop = asyncio.get_running_loop()
        async for chunk in chunks:
            with _main_module_hidden():  # a worker may be launched by this submit
                future: Future[R] = self._pool.submit(work, chunk)
            window.append(asyncio.wrap_future(future, loop=loop))
            if len(window) >= 2 * self.processes:
                yield await window.popleft()
        while window:
            yield await window.popleft()
