"""What a person reads on errors the framework raises: pages get a page, the API gets bilingual JSON whose
English is the framework's own, unmangled, and limits are named in both languages."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from tests.integration.verify.test_batch import make_key
from tests.integration.verify.world import World, verify_app


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("/q/", "页面不存在。"),
        ("/c/", "页面不存在。"),
        ("/q/a%2Fb", "页面不存在。"),
        ("/no/such/page", "页面不存在。"),
        ("/no/such/page?lang=en", "No such page."),
    ],
)
async def test_unknown_pages_are_a_404_page(world: World, path: str, text: str) -> None:
    async with AsyncTestClient(verify_app(world.database.url)) as client:
        response = await client.get(path, headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "<html" in response.text
    assert text in response.text
    assert response.headers["content-security-policy"]


@pytest.mark.parametrize("path", ["/v1/nope", "/v1/log/nope", "/health/nope"])
async def test_unknown_api_paths_are_a_json_404(world: World, path: str) -> None:
    async with AsyncTestClient(verify_app(world.database.url)) as client:
        response = await client.get(path, headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert (body["status"], body["error"], body["message_zh"], body["message_en"]) == (
        404, "未找到 / Not Found", "未找到", "Not Found",
    )  # fmt: skip


async def test_framework_errors_keep_their_english_as_written(world: World) -> None:
    key = await make_key(world.database)
    async with AsyncTestClient(verify_app(world.database.url)) as client:
        malformed = await client.post(
            "/v1/verify", content=b'{"number":', headers={"Content-Type": "application/json", "X-API-Key": key}
        )
        method = await client.put("/v1/verify", json={})
        too_large = await client.post("/v1/verify", content=b" " * 17_000, headers={"X-API-Key": key})
    assert malformed.status_code == 400
    assert malformed.json()["error"] == "请求参数无效 / Input data was truncated"
    assert method.status_code == 405
    assert method.json()["error"] == "不支持该请求方法 / Method Not Allowed"
    assert too_large.status_code == 413
    assert too_large.json()["error"] == "请求内容过大 / Request Entity Too Large"


async def test_a_batch_over_a_thousand_items_names_the_limit_in_chinese_too(world: World) -> None:
    key = await make_key(world.database)
    too_many = {"items": [{"number": world.valid.number, "name": "张三"}] * 1001}
    async with AsyncTestClient(verify_app(world.database.url)) as client:
        response = await client.post("/v1/verify/batch", json=too_many, headers={"X-API-Key": key})
    assert response.status_code == 400
    assert response.json()["error"] == "一次最多查验 1000 张证书 / a batch holds at most 1000 items"
