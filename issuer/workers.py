"""An ordered, memory-bounded map over a process pool: CPU-bound rendering (QR codes, certificate PDFs)
spread over every core, results in input order, at most two chunks per worker in flight."""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


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
    (module-level functions or partials of them); ``initializer`` warms each worker (fonts, templates)."""
    workers = processes or os.cpu_count() or 1
    pending = iter(items)
    with ProcessPoolExecutor(max_workers=workers, initializer=initializer) as pool:
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
