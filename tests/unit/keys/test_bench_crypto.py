"""bench/crypto.py: best-of-N interleaved rounds, a table, and a last line of exactly one JSON object."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

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


def test_output_ends_with_the_ratios_json(capsys: pytest.CaptureFixture[str]) -> None:
    crypto.main(["--rounds", "2", "--loops", "20"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "best of 2 interleaved rounds x 20 calls"
    assert any(line.startswith("ours KeySet.verify") for line in lines)
    figures = json.loads(lines[-1])
    assert set(figures) == {"sign_ratio", "verify_ratio"}
    assert all(isinstance(v, float) and v > 0 for v in figures.values())
