"""No enumeration by timing (issue 14): the first look-up of an unknown document, of a known document with
another name, and of a person without certificates take the same time.

A known document with a wrong name reads the person's rows and judges nothing; an unknown one reads no row,
decodes a decoy row and builds a decoy answer (:mod:`verify.person.render`); both then wait for the fill
floor (:mod:`verify.timing`). 300 first look-ups of each kind through HTTP (``POST /v1/verify``),
interleaved so that whatever else the machine does hits both alike; medians within 10 % and the
Mann–Whitney AUC within the same band, as ``tests/integration/verify/test_timing.py`` does for numbers.
"""

from __future__ import annotations

import statistics
import time

import pytest

from tests.factories import issue_test_certificates
from tests.factories.world import resident_id
from tests.integration.verify.person.helpers import OPEN
from tests.integration.verify.test_timing import SAME_TIME_AUC, auc
from tests.integration.verify.world import World, verify_client

pytestmark = pytest.mark.slow

COUNT = 300


def resident_ids(start: int, count: int) -> list[str]:
    """``count`` valid resident ID numbers (GB 11643), distinct for distinct ``start`` ranges."""
    return [resident_id(n) for n in range(start, start + count)]


async def test_unknown_wrong_name_and_nobody_take_the_same_time(world: World) -> None:
    known = resident_ids(1000, COUNT)
    await issue_test_certificates(world.database, world.store, [(f"持证人{i}", n) for i, n in enumerate(known)])
    unknown = resident_ids(5000, COUNT)
    times: dict[str, list[float]] = {"wrong_name": [], "unknown": []}
    bodies: set[bytes] = set()
    async with verify_client(world.database.url, **OPEN) as client:
        for warm in resident_ids(9000, 5):  # code paths warm, nothing of the measured documents cached
            await client.post("/v1/verify", json={"name": "王五", "id_type": "resident_id", "id_number": warm})
        for pair, (one, other) in enumerate(zip(known, unknown, strict=True)):
            order = (("wrong_name", one), ("unknown", other))
            for kind, number in order if pair % 2 else order[::-1]:  # neither kind always goes first
                began = time.perf_counter()
                response = await client.post(
                    "/v1/verify", json={"name": "王五", "id_type": "resident_id", "id_number": number}
                )
                times[kind].append(time.perf_counter() - began)
                assert response.status_code == 200
                bodies.add(response.content)
    assert len(bodies) == 1, "every answer is the one not_found"
    wrong, missing = statistics.median(times["wrong_name"]), statistics.median(times["unknown"])
    probability = auc(times["wrong_name"], times["unknown"])
    summary = f"medians {wrong * 1000:.2f} ms vs {missing * 1000:.2f} ms, AUC {probability:.2f}"
    assert 0.9 <= wrong / missing <= 1.1, summary
    assert SAME_TIME_AUC[0] <= probability <= SAME_TIME_AUC[1], summary
