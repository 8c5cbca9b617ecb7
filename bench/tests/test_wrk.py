"""bench/wrk.py: a missing wrk is said before a bench builds anything; wrk's output is read exactly."""

from __future__ import annotations

import pytest

from bench.wrk import Sample, parse, require_wrk

OUTPUT = """Running 8s test @ http://127.0.0.1:8000/bench/floor
  Latency Distribution
     50%  612.00us
     75%    1.01ms
     90%    1.52ms
     99%    3.40ms
  40000 requests in 8.00s, 5.00MB read
Requests/sec:   5000.12
"""


def test_a_missing_wrk_exits_with_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(SystemExit, match=r"wrk is not installed \(apt-get install -y wrk\)"):
        require_wrk()


def test_the_rate_and_percentiles_are_read_in_milliseconds() -> None:
    assert parse(OUTPUT) == Sample(5000.12, 0.612, 3.4)


def test_error_answers_are_refused() -> None:
    with pytest.raises(ValueError, match="3 error answers"):
        parse(OUTPUT + "  Non-2xx or 3xx responses: 3\n")
