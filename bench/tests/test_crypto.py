"""bench/crypto.py's own helper: best-of-N interleaved rounds (bench's tests; tests/ never imports bench)."""

from __future__ import annotations

from collections.abc import Callable

from bench import crypto


def test_fake_timer_best_round_wins_and_rounds_are_interleaved() -> None:
    """A fake timer stands in for a loaded machine: some rounds are slow, and the best one must count."""
    order: list[str] = []
    slow = {("ours", 1), ("bare", 2)}  # round numbers (after the warm-up) that another process slowed down
    seen: dict[str, int] = {"ours": -1, "bare": -1}

    def timer(call: Callable[[], object], loops: int) -> float:
        name = str(call())
        seen[name] += 1
        order.append(name)
        return loops / 100.0 * (3 if (name, seen[name]) in slow else 1)

    best = crypto.measure(3, 10, {"ours": lambda: "ours", "bare": lambda: "bare"}, timer)
    assert best == {"ours": 100.0, "bare": 100.0}
    assert order[2:] == ["ours", "bare", "bare", "ours", "ours", "bare"]  # rotating order after warm-up
