"""bench/identity.py: runs every contender, prints a table and a last line of exactly one JSON object."""

from __future__ import annotations

import json

import pytest

from bench import identity


def test_output_ends_with_the_ratios_json(capsys: pytest.CaptureFixture[str]) -> None:
    identity.main(["--rounds", "1", "--loops", "10"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "best of 1 interleaved rounds x 10 calls"
    assert [line.split()[0] for line in lines[2:-1]] == ["bare", "validate", "index", "seal", "open", "identity"]
    figures = json.loads(lines[-1])
    assert set(figures) == {"identity_row_ratio_to_sign", "seal_ratio_to_sign", "open_ratio_to_sign"}
    assert all(isinstance(v, float) and v > 0 for v in figures.values())
