"""The floor under fill times (verify/timing.py): it follows a high quantile of recent fills, within its
bounds, and a fill shorter than the floor waits until the floor has passed."""

from __future__ import annotations

import time

import pytest

from verify.timing import FillFloor


def test_the_floor_follows_the_ninetieth_percentile_of_recent_fills() -> None:
    floor = FillFloor(quantile=0.9, minimum=0.001, maximum=0.05)
    for i in range(320):
        floor.observe(0.001 * (i % 10 + 1))  # 1 … 10 ms, evenly
    assert 0.009 <= floor.floor <= 0.010


def test_the_floor_stays_within_its_bounds() -> None:
    slow = FillFloor(minimum=0.002, maximum=0.05)
    for _ in range(64):
        slow.observe(3.0)  # a database stall must not make every answer wait seconds
    assert slow.floor == 0.05
    fast = FillFloor(minimum=0.002, maximum=0.05)
    for _ in range(64):
        fast.observe(0.0001)
    assert fast.floor == 0.002


def test_a_quantile_outside_the_upper_half_is_refused() -> None:
    with pytest.raises(ValueError, match="quantile"):
        FillFloor(quantile=0.2)


async def test_a_quick_fill_waits_for_the_floor_and_a_slow_one_does_not(monkeypatch: pytest.MonkeyPatch) -> None:
    floor = FillFloor(minimum=0.02, maximum=0.05)
    began = time.monotonic()
    await floor.wait(began)
    assert time.monotonic() - began >= 0.02
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr("verify.timing.asyncio.sleep", record)
    await floor.wait(time.monotonic() - 0.2)  # a fill that already took 200 ms
    assert waits == []


async def test_the_floor_learns_only_from_fills_that_ran_alone() -> None:
    """Under load every fill also waits for the others: that wait must not raise the floor (it would cap
    throughput at concurrency / floor), so only fills with no other under way are learned from."""
    floor = FillFloor(minimum=0.001, maximum=0.05)
    for _ in range(64):  # two at a time, each "taking" 40 ms: nothing learned
        first, second = floor.begin(), floor.begin()
        await floor.finish(first._replace(began=first.began - 0.04))
        await floor.finish(second._replace(began=second.began - 0.04))
    assert floor.floor == 0.001
    for _ in range(64):  # alone, 5 ms each
        alone = floor.begin()
        await floor.finish(alone._replace(began=alone.began - 0.005))
    assert 0.004 <= floor.floor <= 0.01  # what the fills took, not the 40 ms of the overlapping ones
    overlapped = floor.begin()
    later = floor.begin()
    await floor.finish(later)
    assert not later.alone
    floor.abandon(overlapped)
    assert floor.begin().alone, "a failed fill is no longer under way"


async def test_a_fill_still_waits_for_the_floor_under_contention(monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr("verify.timing.asyncio.sleep", record)
    floor = FillFloor(minimum=0.02, maximum=0.05)
    first, second = floor.begin(), floor.begin()
    await floor.finish(second)
    floor.abandon(first)
    assert len(waits) == 1
    assert 0.0 < waits[0] <= 0.02
