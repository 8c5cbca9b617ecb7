"""No enumeration by timing (issue 14): the first look-up of an unknown document, of a known document with
another name, and of a person without certificates take the same time.

A known document with a wrong name reads the person's rows and judges nothing; an unknown one reads no row,
decodes a decoy row and builds a decoy answer (:mod:`verify.person.render`); both then wait for the fill
floor (:mod:`verify.timing`). 300 first look-ups of each kind through HTTP (``POST /v1/verify``),
interleaved so that whatever else the machine does hits both alike; medians within 10 % and the
Mann–Whitney AUC within the same band, in one of as many measurements, as ``tests/integration/verify/test_timing.py``
does for numbers.
"""

from __future__ import annotations

import time

import pytest

from tests.factories import issue_test_certificates
from tests.factories.world import resident_id
from tests.integration.verify.person.helpers import OPEN
from tests.integration.verify.test_timing import assert_same_time
from tests.integration.verify.world import World, verify_client

pytestmark = pytest.mark.slow

COUNT = 300


def resident_ids(start: int, count: int) -> list[str]:
    """``count`` valid resident ID numbers (GB 11643), distinct for distinct ``start`` ranges."""
    return [resident_id(n) for n in range(start, start + count)]


async def test_unknown_wrong_name_and_nobody_take_the_same_time(world: World) -> None:
    async def issued(attempt: int) -> list[str]:
        known = resident_ids(1000 + attempt * COUNT, COUNT)
        await issue_test_certificates(world.database, world.store, [(f"持证人{i}", n) for i, n in enumerate(known)])
        return known

    first_known = await issued(0)  # before the app starts (its change feed then has none of them to read)
    bodies: set[bytes] = set()
    async with verify_client(world.database.url, **OPEN) as client:
        for warm in resident_ids(9000, 5):  # code paths warm, nothing of the measured documents cached
            await client.post("/v1/verify", json={"name": "王五", "id_type": "resident_id", "id_number": warm})

        async def measure(attempt: int) -> tuple[list[float], list[float]]:
            known = first_known if attempt == 0 else await issued(attempt)
            unknown = resident_ids(5000 + attempt * COUNT, COUNT)
            times: dict[str, list[float]] = {"wrong_name": [], "unknown": []}
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
            return times["wrong_name"], times["unknown"]

        await assert_same_time(measure)
