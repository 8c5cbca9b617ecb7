"""``POST /v1/verify/batch``: employer API keys (required, unknown, revoked), 1..1,000 items, per-key
limits counted per item."""

from __future__ import annotations

from datetime import UTC, datetime

from registry.db import Database
from registry.models import ApiKey
from tests.integration.verify.test_query import UNKNOWN
from tests.integration.verify.windows import in_one_window
from tests.integration.verify.world import World, verify_client
from verify.apikeys import generate_api_key, hash_api_key


async def make_key(database: Database, *, rate: int | None = None, revoked: bool = False) -> str:
    key = generate_api_key()
    async with database.transaction() as session:
        session.add(
            ApiKey(
                key_hash=hash_api_key(key),
                name="测试用人单位",
                rate_per_minute=rate,
                revoked_at=datetime.now(UTC) if revoked else None,
            )
        )
    return key


def items(world: World) -> list[dict[str, str]]:
    return [
        {"number": world.valid.number, "name": "张三"},
        {"number": world.valid.number, "name": "张四"},
        {"number": UNKNOWN, "name": "张三"},
        {"number": "12345", "name": "张三"},
        {"number": world.revoked.number.lower(), "name": "李四"},
        {"number": world.superseded.number, "name": "王五"},
    ]


async def test_batch_answers_each_item_in_order(world: World) -> None:
    key = await make_key(world.database)
    async with verify_client(world.database.url) as client:
        for _ in range(2):  # database, then in-process cache
            response = await client.post("/v1/verify/batch", json={"items": items(world)}, headers={"X-API-Key": key})
            assert response.status_code == 200
            body = response.json()
            assert body["count"] == 6
            results = [r["result"] for r in body["results"]]
            assert results == ["valid", "not_found", "not_found", "invalid_number", "revoked", "superseded"]
            assert body["results"][1] == body["results"][2], "a wrong name is an unknown number"
            assert "长度" in body["results"][3]["message"]
            assert body["results"][0]["certificate"]["holder_name"] == "张三"


async def test_an_api_key_is_required_and_must_be_live(world: World) -> None:
    live = await make_key(world.database)
    revoked = await make_key(world.database, revoked=True)
    payload = {"items": items(world)[:1]}
    async with verify_client(world.database.url) as client:
        missing = await client.post("/v1/verify/batch", json=payload)
        unknown = await client.post("/v1/verify/batch", json=payload, headers={"X-API-Key": generate_api_key()})
        dead = await client.post("/v1/verify/batch", json=payload, headers={"X-API-Key": revoked})
        bearer = await client.post("/v1/verify/batch", json=payload, headers={"Authorization": f"Bearer {live}"})
        no_key_bad_body = await client.post("/v1/verify/batch", json={"items": []})
        single_unknown = await client.post(
            "/v1/verify", json=payload["items"][0], headers={"X-API-Key": generate_api_key()}
        )
    assert missing.status_code == 401
    assert missing.json()["error"].startswith("需要 API 密钥 / an API key is required")
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert unknown.status_code == 401
    assert dead.status_code == 401
    assert unknown.json() == dead.json(), "a revoked key looks like an unknown one"
    assert bearer.status_code == 200
    assert no_key_bad_body.status_code == 401, "the key is checked before the body"
    assert single_unknown.status_code == 401


async def test_a_thousand_items_pass_and_a_thousand_and_one_do_not(world: World) -> None:
    key = await make_key(world.database)
    thousand = {"items": [{"number": world.valid.number, "name": "张三"}] * 1000}
    too_many = {"items": [{"number": world.valid.number, "name": "张三"}] * 1001}
    async with verify_client(world.database.url) as client:
        ok = await client.post("/v1/verify/batch", json=thousand, headers={"X-API-Key": key})
        refused = await client.post("/v1/verify/batch", json=too_many, headers={"X-API-Key": key})
        empty = await client.post("/v1/verify/batch", json={"items": []}, headers={"X-API-Key": key})
    assert ok.status_code == 200
    assert ok.json()["count"] == 1000
    assert {r["result"] for r in ok.json()["results"]} == {"valid"}
    assert refused.status_code == 400
    assert refused.json()["error"] == "一次最多查验 1000 张证书 / a batch holds at most 1000 items"
    assert empty.status_code == 400


async def test_each_item_counts_against_the_keys_own_limit(world: World) -> None:
    key = await make_key(world.database, rate=10)
    six = {"items": items(world)}
    async with verify_client(world.database.url, api_rate_per_minute=100_000) as client:
        in_one_window(client.app)  # the three batches counted in one fixed minute
        first = await client.post("/v1/verify/batch", json=six, headers={"X-API-Key": key})
        second = await client.post("/v1/verify/batch", json=six, headers={"X-API-Key": key})
        small = await client.post("/v1/verify/batch", json={"items": six["items"][:4]}, headers={"X-API-Key": key})
    assert first.status_code == 200
    assert second.status_code == 429
    assert 1 <= int(second.headers["retry-after"]) <= 60
    assert second.json()["error"].startswith("请求过于频繁")
    assert small.status_code == 200, "a refused request is not counted"


async def test_a_batch_larger_than_the_keys_per_minute_limit_is_a_400_not_a_429_forever(world: World) -> None:
    key = await make_key(world.database, rate=3)
    six = {"items": items(world)}
    async with verify_client(world.database.url, api_rate_per_minute=100_000) as client:
        refused = await client.post("/v1/verify/batch", json=six, headers={"X-API-Key": key})
        three = await client.post("/v1/verify/batch", json={"items": six["items"][:3]}, headers={"X-API-Key": key})
    assert refused.status_code == 400
    assert "retry-after" not in refused.headers
    assert refused.json()["error"] == (
        "批量条数超过该密钥每分钟限额（3）/ batch exceeds this key's per-minute limit (3)"
    )
    assert three.status_code == 200, "the refused batch was not counted"
