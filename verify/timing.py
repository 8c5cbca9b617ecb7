"""A floor under the time of a first look-up, so that its duration does not tell what it found.

A number + name query that the in-process cache cannot answer is filled from Redis or the database. A known
number asked with a wrong name and an unknown number already do the same work (:mod:`verify.decoys`), but
"the same work" is never exactly the same time: a found row is decoded from the database, a real page has
other text. Over hundreds of tries a difference of a few per cent tells whether a number exists (issue 10,
item 7; docs/verify.md "Timing"). So every fill answers no sooner than a floor after it began: the floor is
a high quantile of recent fill times, so nearly every fill, of either kind, ends at its floor and the time
seen from outside is the floor plus the event loop's timer jitter, whatever was found.

The floor costs latency (a few milliseconds on a first look-up), never throughput: a waiting request holds
no CPU and no database connection. Answers from the in-process cache are not delayed.

What the floor learns from. The floor must cover the *work* of a fill, whose difference between kinds is
what could leak, not the queue in front of it: under load every fill also waits for the others (the event
loop, the batch, the database slots), the same whatever it finds. A floor fed those waits climbs to its
maximum and, since it holds every first look-up that long, caps a worker's throughput at its concurrency
divided by the floor (64 connections / 50 ms = 1,280 answers a second, whatever the CPU could do: the
person miss bench swung between 0.06 and 0.15 of the floor route with it). So :meth:`FillFloor.begin` /
:meth:`FillFloor.finish` learn only from fills that ran alone (no other fill began or was under way
meanwhile); under contention the floor keeps what it learned from uncontended fills and still pads every
fill to it.
"""

from __future__ import annotations

import asyncio
import time
from typing import Final, NamedTuple

#: Fills observed before the floor is recomputed, and how many recent fills it is computed over.
_EVERY: Final = 32
_WINDOW: Final = 512


class Fill(NamedTuple):
    """One fill under way: when it began, and whether it began alone (``begins`` tells if another followed)."""

    began: float
    alone: bool
    begins: int


class FillFloor:
    """The floor of fill times: ``quantile`` of the last fills, kept between ``minimum`` and ``maximum``
    seconds (the maximum bounds what a slow database spike can add to every answer)."""

    def __init__(self, *, quantile: float = 0.9, minimum: float = 0.002, maximum: float = 0.05) -> None:
        if not 0.5 <= quantile < 1.0:
            raise ValueError(f"quantile {quantile} is not in [0.5, 1)")
        self.quantile = quantile
        self.minimum = minimum
        self.maximum = maximum
        self.floor = minimum
        self._recent: list[float] = []
        self._next = 0
        self._seen = 0
        self._active = 0
        self._begins = 0

    def observe(self, seconds: float) -> None:
        """Record the time one fill took (before waiting for the floor)."""
        if len(self._recent) < _WINDOW:
            self._recent.append(seconds)
        else:
            self._recent[self._next] = seconds
            self._next = (self._next + 1) % _WINDOW
        self._seen += 1
        if self._seen % _EVERY == 0:
            ordered = sorted(self._recent)
            value = ordered[min(len(ordered) - 1, int(self.quantile * len(ordered)))]
            self.floor = min(self.maximum, max(self.minimum, value))

    async def wait(self, began: float) -> None:
        """Record a fill that began at ``began`` (``time.monotonic()``) and wait until its floor has passed."""
        spent = time.monotonic() - began
        self.observe(spent)
        if spent < self.floor:
            await asyncio.sleep(self.floor - spent)

    def begin(self) -> Fill:
        """A fill begins; pair with :meth:`finish` (or :meth:`abandon` when it fails)."""
        self._active += 1
        self._begins += 1
        return Fill(time.monotonic(), self._active == 1, self._begins)

    def abandon(self, _fill: Fill) -> None:
        """A fill that raised: no longer under way, nothing learned, nothing to wait for."""
        self._active -= 1

    async def finish(self, fill: Fill) -> None:
        """The fill is done: learn its time if it ran alone, and wait until the floor has passed."""
        self._active -= 1
        spent = time.monotonic() - fill.began
        if fill.alone and self._begins == fill.begins:
            self.observe(spent)
        if spent < self.floor:
            await asyncio.sleep(self.floor - spent)
