"""The numbering floors a worker computes for a chunk (``RowWorker._floors``: from the parts its check read,
one scope text per set of parts) are ``registry.rules.legacy.counter_floors`` of the chunk's numbers."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

from issuer.legacy.records import map_header
from issuer.legacy.workers import CheckSpec, RowWorker, SignSpec
from registry.rules.legacy import counter_floors
from registry.rules.profiles import HUNAN
from registry.tabular import Row
from tests.integration.legacy.files import HEADER, mixed_rows, qualification_number, skill_number, skill_rows

TODAY = date(2026, 12, 7)


def _worker() -> RowWorker:
    index, _ = map_header(HEADER)
    check = CheckSpec(profile=HUNAN, source="osta", header=HEADER, index=index, today=TODAY)
    sign = SignSpec(
        key_dir="/nowhere", passphrase=b"-", kdf="-", kid="-", authority="430000", id_secret=b"-" * 32,
        signed_on=TODAY, sealed_at=datetime(2026, 12, 7, tzinfo=UTC), actor="operator:test",
    )  # fmt: skip
    return RowWorker(check, sign)


def test_floors_are_the_counter_floors_of_the_numbers() -> None:
    chance = random.Random(5)
    rows = skill_rows(60) + mixed_rows()
    for at, row in enumerate(rows[:60]):  # scopes: years and levels; sequences in no order
        row[0] = skill_number(chance.randrange(1, 999_999), year=2020 + at % 3, level=1 + at % 5)
        row[6] = str(1 + at % 5)
    extra = [list(rows[-2]) for _ in range(5)]
    for at, row in enumerate(extra):
        row[0] = qualification_number(chance.randrange(1, 9_999), year=2010 + at % 2)
        row[10] = f"OSTA2015{at:04d}"
    worker = _worker()
    records, problems = worker.records([Row(at, tuple(row)) for at, row in enumerate(rows + extra, start=2)])
    assert not problems
    floors = worker._floors(records)
    assert floors == counter_floors(HUNAN, [r.number.number for r in records])
    assert len(floors) > 10
