"""Bodies that are not JSON a client could have meant: invalid UTF-8 and absurdly deep nesting get a
bilingual 400 on every JSON route, with or without an API key, never a 500."""

from __future__ import annotations

import pytest

from tests.integration.verify.test_batch import make_key
from tests.integration.verify.world import World, verify_client

BAD_BODIES = {
    "invalid UTF-8 in a string": b'{"number":"\xff","name":"x"}',
    "invalid UTF-8 in a batch item": b'{"items":[{"number":"\xff","name":"x"}]}',
    "nested 5000 deep": b"[" * 5000,
    "objects nested 3000 deep": b'{"a":' * 3000,
}


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
@pytest.mark.parametrize(("route", "keyed"), [("/v1/verify", False), ("/v1/verify", True), ("/v1/verify/batch", True)])
async def test_undecodable_bodies_are_a_bilingual_400(world: World, body: bytes, route: str, keyed: bool) -> None:
    headers = {"Content-Type": "application/json"}
    if keyed:
        headers["X-API-Key"] = await make_key(world.database)
    async with verify_client(world.database.url) as client:
        response = await client.post(route, content=body, headers=headers)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    zh, en = error.split("/ ")
    assert zh.startswith("请求体不是有效的 JSON（"), error
    assert en.startswith("the request body is not valid JSON ("), error


async def test_an_undecodable_body_gives_each_language_its_own_member(world: World) -> None:
    """The message is written "…（嵌套层数过深）/ the request body …": message_zh held both halves."""
    async with verify_client(world.database.url) as client:
        response = await client.post("/v1/verify", content=b"[" * 5000, headers={"Content-Type": "application/json"})
    problem = response.json()
    assert problem["message_zh"] == "请求体不是有效的 JSON（嵌套层数过深）"
    assert problem["message_en"] == problem["detail"] == "the request body is not valid JSON (nested too deeply)"


AMBIGUOUS = {
    "a byte order mark": (b'\xef\xbb\xbf{"number":"%s","name":"x"}', "BOM"),
    "a key named twice": (b'{"number":"%s","name":"x","name":"y"}', "name"),
}


@pytest.mark.parametrize(("body", "named"), AMBIGUOUS.values(), ids=AMBIGUOUS.keys())
@pytest.mark.parametrize("keyed", [False, True])  # the fast lane (no key) and the controller read it alike
async def test_an_ambiguous_body_is_a_bilingual_400_on_both_lanes(
    world: World, body: bytes, named: str, keyed: bool
) -> None:
    headers = {"Content-Type": "application/json"}
    if keyed:
        headers["X-API-Key"] = await make_key(world.database)
    async with verify_client(world.database.url) as client:
        response = await client.post("/v1/verify", content=body % world.valid.number.encode(), headers=headers)
    assert response.status_code == 400, response.text
    problem = response.json()
    assert named in problem["message_zh"], problem
    assert named in problem["message_en"], problem
