"""An ordered, memory-bounded map over a process pool: CPU-bound rendering (QR codes, certificate PDFs)
spread over every core, results in input order, at most two chunks per worker in flight."""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TypeVar

from registry.parent_watch import watch_parent

T = TypeVar("T")
R = TypeVar("R")


def _start(parent: int, initializer: Callable[[], object] | None) -> None:
    """A worker's start: it ends with ``parent`` (a killed build left its renderers waiting for ever), then
    the caller's ``initializer``."""
    watch_parent(parent)
    if initializer is not None:
        initializer()


def pool_map(
    work: Callable[[Sequence[T]], list[R]],
    items: Iterable[T],
    *,
    processes: int | None = None,
    chunk: int = 64,
    initializer: Callable[[], object] | None = None,
) -> Generator[R, None, None]:
    """``work`` applied to chunks of ``chunk`` items of ``items`` in ``processes`` worker processes
    (default: every core), results yielded in order. ``work`` and ``initializer`` must be picklable
    (module-level functions or partials of them); ``initializer`` warms each worker (fonts, templates). A
    worker ends with this process (:mod:`registry.parent_watch`)."""
    workers = processes or os.cpu_count() or 1
    pending = iter(items)
    with ProcessPoolExecutor(max_workers=workers, initializer=_start, initargs=(os.getpid(), initializer)) as pool:
        window: list[Future[list[R]]] = []
        while True:
            while len(window) < 2 * workers:
                batch = [item for _, item in zip(range(chunk), pending, strict=False)]
                if not batch:
                    break
                window.append(pool.submit(work, batch))
            if not window:
                return
            yield from window.pop(0).result()
