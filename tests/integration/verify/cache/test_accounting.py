"""The in-process cache charges what its answers really cost in memory (issue 12): the bytes it counts for
``/v1/verify`` answers are within a factor of what ``tracemalloc`` sees freed when they are dropped, and the
default byte cap holds at least 50,000 of them."""

from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path

from issuer.checkpoints import publish_checkpoint
from registry.config import Settings
from registry.db import Database
from tests.factories import HOLDER_IDS, issue_test_certificates
from tests.integration.verify.world import build_world, runtime_of, verify_client
from tests.support import make_settings

ANSWERS = 200


async def test_counted_bytes_match_the_memory_answers_hold(database: Database, tmp_path: Path) -> None:
    world = await build_world(database, tmp_path / "keys")
    holders = [(f"测试{i:04d}", HOLDER_IDS[i % len(HOLDER_IDS)]) for i in range(ANSWERS)]
    made = await issue_test_certificates(database, world.store, holders)
    # a checkpoint over them: every answer carries its inclusion proof, as in production
    await publish_checkpoint(database, world.store, make_settings(log_origin="test.example/log"))
    async with verify_client(database.url) as client:
        cache = runtime_of(client.app).cache
        await client.post("/v1/verify", json={"number": made[0].number, "name": made[0].holder_name})
        tracemalloc.start()
        try:
            for certificate in made[1:]:
                response = await client.post(
                    "/v1/verify", json={"number": certificate.number, "name": certificate.holder_name}
                )
                assert response.json()["result"] == "valid"
            assert len(cache) == ANSWERS
            gc.collect()
            before = tracemalloc.get_traced_memory()[0]
            counted = cache.bytes
            cache.clear()
            gc.collect()
            freed = before - tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
    real = freed / (ANSWERS - 1)  # the first answer was allocated before tracing began
    per_entry = counted / ANSWERS
    print(f"counted {per_entry:.0f} B per answer, tracemalloc {real:.0f} B")
    assert 0.8 <= per_entry / real <= 1.5, (per_entry, real)
    # an answer at 1M certificates carries 11 more proof hashes (~47 bytes each in base64 JSON) than here
    assert Settings().cache.cache_max_bytes // (per_entry + 11 * 47) >= 50_000


def test_the_default_entry_bound_is_not_the_tighter_one() -> None:
    assert Settings().cache.cache_max_entries >= 50_000
