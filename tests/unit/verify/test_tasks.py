"""verify.tasks.cancel_and_wait: a task that swallows its cancellation is still ended (the shut-down hang)."""

from __future__ import annotations

import asyncio

import pytest

from verify.tasks import cancel_and_wait


async def _swallows_its_first_cancellation(rounds: list[str]) -> None:
    """As Python 3.11's wait_for or a Redis client could: the CancelledError is caught and the loop goes on."""
    while True:
        try:
            await asyncio.sleep(0.01)
            rounds.append("slept")
        except asyncio.CancelledError:
            if "swallowed" in rounds:
                raise
            rounds.append("swallowed")


async def test_a_task_that_swallows_its_cancellation_is_cancelled_again_until_it_ends() -> None:
    rounds: list[str] = []
    task = asyncio.create_task(_swallows_its_first_cancellation(rounds))
    await asyncio.sleep(0.03)
    waiter = asyncio.create_task(cancel_and_wait(task))
    done, _ = await asyncio.wait([waiter], timeout=3)  # one cancel() and an await would wait for ever
    assert waiter in done, "the task still runs after its cancellation was swallowed"
    assert task.cancelled()
    assert "swallowed" in rounds


async def test_what_the_task_raised_is_raised() -> None:
    async def fails_when_cancelled() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            raise RuntimeError("cleanup failed") from None

    task = asyncio.create_task(fails_when_cancelled())
    await asyncio.sleep(0)
    with pytest.raises(RuntimeError, match="cleanup failed"):
        await cancel_and_wait(task)


async def test_a_finished_task_is_left_as_it_is() -> None:
    task = asyncio.create_task(asyncio.sleep(0))
    await task
    await cancel_and_wait(task)
    assert not task.cancelled()
