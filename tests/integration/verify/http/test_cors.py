"""An employer's web page verifies from the browser: the public JSON API is readable from any origin, its
preflight is answered, and the staff API and the pages stay same-origin."""

from __future__ import annotations

import pytest

from tests.integration.verify.test_batch import make_key
from tests.integration.verify.world import World, verify_client
from verify.http.cors import PUBLIC_API

ORIGIN = {"Origin": "https://hr.example.com"}


@pytest.mark.parametrize("path", ["/v1/verify", "/v1/verify/batch", "/v1/credentials"])
async def test_a_json_post_passes_its_preflight(world: World, path: str) -> None:
    asked = ORIGIN | {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, x-api-key",
    }
    async with verify_client(world.database.url) as client:
        response = await client.options(path, headers=asked)
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed = {h.strip() for h in response.headers["access-control-allow-headers"].split(",")}
    assert {"content-type", "x-api-key", "authorization"} <= allowed
    assert "access-control-allow-credentials" not in response.headers


async def test_a_verdict_is_readable_from_another_origin(world: World) -> None:
    body = {"number": world.valid.number, "name": world.valid.holder_name}
    async with verify_client(world.database.url) as client:
        cross = await client.post("/v1/verify", json=body, headers=ORIGIN)
        cached = await client.post("/v1/verify", json=body, headers=ORIGIN)  # the in-process cache's answer
        same_site = await client.post("/v1/verify", json=body)
    for response in (cross, cached):
        assert response.status_code == 200
        assert response.json()["result"] == "valid"
        assert response.headers["access-control-allow-origin"] == "*"
        assert "retry-after" in response.headers["access-control-expose-headers"]
    assert same_site.json()["result"] == "valid"
    assert "access-control-allow-origin" not in same_site.headers


async def test_an_error_is_readable_too(world: World) -> None:
    """A page must be able to show the bilingual refusal, not only the verdicts."""
    async with verify_client(world.database.url) as client:
        response = await client.post("/v1/verify", json={"number": "x", "name": "张三"}, headers=ORIGIN)
    assert response.status_code == 400
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.json()["message_en"]


async def test_a_not_found_is_readable_too(world: World) -> None:
    """This world's certificates carry no credential: the 404 a page shows must reach it."""
    async with verify_client(world.database.url) as client:
        response = await client.get(f"/v1/qr/{world.valid.token}/credential", headers=ORIGIN)
    assert response.status_code == 404
    assert response.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize("path", ["/v1/keys", "/v1/qr/{token}", "/v1/certificates/{number}", "/v1/log/key"])
async def test_the_public_reads_are_readable(world: World, path: str) -> None:
    key = await make_key(world.database)
    url = path.format(token=world.valid.token, number=world.valid.number)
    async with verify_client(world.database.url) as client:
        response = await client.get(url, headers=ORIGIN | {"X-API-Key": key})
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize("path", ["/", "/q/{token}", "/metrics", "/health/ready"])
async def test_pages_and_operations_get_no_cors_headers(world: World, path: str) -> None:
    url = path.format(token=world.valid.token)
    async with verify_client(world.database.url) as client:
        response = await client.get(url, headers=ORIGIN)
        preflight = await client.options(url, headers=ORIGIN | {"Access-Control-Request-Method": "GET"})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    assert "access-control-allow-origin" not in preflight.headers


@pytest.mark.parametrize(
    "path",
    [
        "/v1/batches",
        "/v1/batches/7/submit",
        "/v1/certificates/43000020260000000001/revoke",
        "/v1/certificates/43000020260000000001/qr.png",
        "/v1/exports/certificates.ndjson",
        "/console/",
        "/q/abc",
    ],
)
def test_the_staff_api_and_the_pages_are_not_public_api(path: str) -> None:
    """Their preflight stays the framework's bare 204, which a browser refuses."""
    assert PUBLIC_API.fullmatch(path) is None
