"""bench/verify.py's report: a table, then one JSON line whose person miss ratio pairs each measurement with
the floor measured just before it on the same server (so a drift of the machine's load cancels)."""

from __future__ import annotations

import json

import pytest

from bench.verify import PERSON_REPEATS, report
from bench.wrk import Sample


def _run(floor: float, person_floor: float, person_miss: float) -> dict[str, Sample]:
    run = {
        name: Sample(floor, 3.0, 5.0)
        for name in ("floor GET", "floor POST", "verify hit", "qr page hit", "person hit", "verify redis")
    }
    run |= {"verify miss pg": Sample(floor / 4, 10.0, 40.0), "verify miss random": Sample(floor / 5, 12.0, 50.0)}
    for i in range(PERSON_REPEATS):
        run[f"person floor {i}"] = Sample(person_floor, 3.0, 5.0)
        run[f"person miss {i}"] = Sample(person_miss, 20.0, 60.0)
    return run


def test_the_person_miss_ratio_is_paired_with_its_own_floor(capsys: pytest.CaptureFixture[str]) -> None:
    # the machine got twice as slow between the first server's floor and the miss server: the pairs agree
    report([_run(20_000, 10_000, 1_500), _run(20_000, 10_000, 1_400), _run(18_000, 9_000, 1_350)])
    lines = capsys.readouterr().out.strip().splitlines()
    figures = json.loads(lines[-1])
    assert figures["person_miss_pg_ratio"] == 0.15
    assert figures["hit_ratio"] == 1.0
    assert any(line.startswith("person miss pg") for line in lines[:-1])
    assert any(line.startswith("person miss floor") for line in lines[:-1])
    assert not any(line.startswith("person miss 0") for line in lines[:-1])
