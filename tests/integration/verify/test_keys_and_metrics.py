"""``GET /v1/keys`` (ETag, 304, Cache-Control, reload on key events), ``GET /metrics`` and the OpenAPI
document of the employer API."""

from __future__ import annotations

import asyncio
import hashlib
import re

from keys.keyset import KeySet
from registry.keyring import load_keyset, mark_compromised
from tests.factories import CITY
from tests.integration.verify.test_qr import verdict_of
from tests.integration.verify.windows import in_one_window
from tests.integration.verify.world import World, now, verify_client


async def test_keys_have_a_strong_etag_and_answer_304(world: World) -> None:
    async with verify_client(world.database.url, keys_max_age_seconds=120) as client:
        first = await client.get("/v1/keys")
        etag = first.headers["etag"]
        same = await client.get("/v1/keys", headers={"If-None-Match": etag})
        weak = await client.get("/v1/keys", headers={"If-None-Match": f'"other", W/{etag}'})
        other = await client.get("/v1/keys", headers={"If-None-Match": '"something-else"'})
    async with world.database.reader() as session:
        stored = await load_keyset(session)
    assert first.status_code == 200
    assert KeySet.from_json(first.content) == stored
    assert etag == '"' + hashlib.sha256(first.content).hexdigest() + '"'
    assert first.headers["cache-control"] == "public, max-age=120"
    assert (same.status_code, same.content) == (304, b"")
    assert same.headers["etag"] == etag
    assert weak.status_code == 304
    assert other.status_code == 200


async def test_a_key_compromise_reaches_cached_answers_through_the_change_feed(world: World) -> None:
    async with verify_client(world.database.url, change_poll_seconds=0.05) as client:
        before = await client.get(f"/Q/{world.valid.token}")
        etag = (await client.get("/v1/keys")).headers["etag"]
        async with world.database.transaction() as session:
            keyset = await load_keyset(session)
            kid = keyset.active(CITY).kid  # type: ignore[union-attr]
            await mark_compromised(session, kid, now(), "all", actor="test", reason="key leaked")
        for _ in range(100):
            after = await client.get(f"/Q/{world.valid.token}")
            if verdict_of(after.text)[0] != "valid":
                break
            await asyncio.sleep(0.02)
        keys = await client.get("/v1/keys", headers={"If-None-Match": etag})
    assert verdict_of(before.text) == ("valid", "valid")
    assert verdict_of(after.text) == ("not_genuine", "key_compromised")
    assert keys.status_code == 200
    assert keys.headers["etag"] != etag
    assert '"status":"compromised"' in keys.text


async def test_metrics_count_requests_cache_levels_verdicts_and_limits(world: World) -> None:
    async with verify_client(world.database.url, public_rate_per_minute=3) as client:
        in_one_window(client.app)  # the four look-ups counted in one fixed minute
        for _ in range(3):
            await client.get(f"/Q/{world.valid.token}")
        limited = await client.get(f"/Q/{world.valid.token}")
        metrics = await client.get("/metrics")
    assert limited.status_code == 429
    text = metrics.text
    assert metrics.headers["content-type"].startswith("text/plain")
    expected = {
        'certreg_verify_requests_total{route="qr_page"}': 4.0,
        'certreg_verify_cache_total{level="local",outcome="hit"}': 2.0,
        'certreg_verify_cache_total{level="local",outcome="miss"}': 1.0,
        'certreg_verify_verdicts_total{reason="valid",result="valid"}': 3.0,
        'certreg_verify_rate_limited_total{scope="ip"}': 1.0,
        'certreg_verify_database_total{outcome="query"}': 1.0,
    }
    for series, value in expected.items():
        match = re.search(re.escape(series) + r" ([0-9.e+]+)", text)
        assert match, series
        assert float(match.group(1)) == value, series
    assert 'certreg_verify_verdicts_total{reason="bad_signature",result="not_genuine"} 0.0' in text
    assert "certreg_verify_cache_entries 1.0" in text


async def test_openapi_documents_the_employer_api(world: World) -> None:
    async with verify_client(world.database.url) as client:
        schema = (await client.get("/schema/openapi.json")).json()
    paths = schema["paths"]
    assert set(paths) >= {"/v1/verify", "/v1/verify/batch", "/v1/qr/{token}", "/v1/keys"}
    batch = paths["/v1/verify/batch"]["post"]
    assert batch["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/BatchRequest")
    assert batch["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/BatchResponse")
    assert {"401", "429", "503"} <= set(batch["responses"])
    components = schema["components"]["schemas"]
    assert components["BatchRequest"]["properties"]["items"]["maxItems"] == 1000
    assert set(components["VerifyResult"]["properties"]["result"]["enum"]) == {
        "valid", "revoked", "superseded", "not_genuine", "not_found", "invalid_number",
    }  # fmt: skip
    assert "/q/{token}" not in paths
    assert batch["security"] == [{"employerApiKey": []}]
    assert schema["components"]["securitySchemes"]["employerApiKey"]["name"] == "X-API-Key"
