"""The database goes away (connections terminated, database renamed): cached certificates still verify,
everything else is a 503 with Retry-After; when it is back, so is the service."""

from __future__ import annotations

import pytest

from tests.integration.verify.conftest import rename_database
from tests.integration.verify.test_batch import make_key
from tests.integration.verify.world import World, verify_client

pytestmark = pytest.mark.postgres


async def test_cached_certificates_verify_and_the_rest_get_503(pg_world: World) -> None:
    world = pg_world
    name = world.database.url.rsplit("/", 1)[1]
    api_key = await make_key(world.database)  # never used before the outage: not in any cache
    async with verify_client(world.database.url, db_timeout_seconds=2, retry_after_seconds=7) as client:
        warm_json = await client.post("/v1/verify", json={"number": world.valid.number, "name": "张三"})
        warm_page = await client.get(f"/Q/{world.valid.token}")
        await world.database.dispose()
        await rename_database(name, f"{name}_down")
        try:
            cached_json = await client.post("/v1/verify", json={"number": world.valid.number, "name": "张三"})
            cached_page = await client.get(f"/Q/{world.valid.token}")
            cold_json = await client.post("/v1/verify", json={"number": world.revoked.number, "name": "李四"})
            cold_page = await client.get(f"/Q/{world.revoked.token}")
            cold_query = await client.get("/", params={"number": world.revoked.number, "name": "李四"})
            cold_qr_json = await client.get(f"/v1/qr/{world.revoked.token}")
            uncached_key = await client.post(
                "/v1/verify/batch",
                json={"items": [{"number": world.valid.number, "name": "张三"}]},
                headers={"X-API-Key": api_key},
            )
            keys = await client.get("/v1/keys")
            ready = await client.get("/health/ready")
        finally:
            await rename_database(f"{name}_down", name)
        back = await client.post("/v1/verify", json={"number": world.revoked.number, "name": "李四"})
    assert (cached_json.status_code, cached_json.content) == (200, warm_json.content)
    assert (cached_page.status_code, cached_page.content) == (200, warm_page.content)
    for cold in (cold_json, cold_page, cold_query, cold_qr_json, uncached_key):
        assert cold.status_code == 503
        assert cold.headers["retry-after"] == "7"
    assert cold_json.json()["error"].startswith("查询服务暂时不可用")
    assert cold_qr_json.json()["error"].startswith("查询服务暂时不可用")
    assert uncached_key.json()["error"].startswith("查询服务暂时不可用"), "not a 401: the key could not be checked"
    assert "查询服务暂时不可用，请在 7 秒后重试" in cold_page.text
    assert keys.status_code == 200, "the key set is served from memory"
    assert ready.status_code == 503
    assert back.status_code == 200
    assert back.json()["result"] == "revoked"
