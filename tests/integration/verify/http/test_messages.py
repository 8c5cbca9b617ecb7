"""What a person reads on errors the framework raises: pages get a page, the API gets bilingual JSON whose
English is the framework's own, unmangled, and limits are named in both languages."""

from __future__ import annotations

import gzip

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.verify.test_batch import make_key
from tests.integration.verify.world import World, verify_client


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [
        ("/q/", 404, "页面不存在。"),
        ("/c/", 404, "页面不存在。"),
        ("/q/a%2Fb", 404, "页面不存在。"),
        ("/no/such/page", 404, "页面不存在。"),
        ("/no/such/page?lang=en", 404, "No such page."),
        # a parameter a page cannot take: a person who opened the address reads a page, a JSON client JSON
        ("/log/-1", 400, "请求参数无效：路径参数 index 无效"),
        ("/log/0?size=abc", 400, "请求参数无效：查询参数 size 无效：须为整数"),
        ("/log/0?size=abc&lang=en", 400, "invalid request: size (query): Expected `int | null`, got `str`"),
    ],
)
async def test_unknown_pages_and_bad_parameters_are_a_page(world: World, path: str, status: int, text: str) -> None:
    async with verify_client(world.database.url) as client:
        await _opened_in_a_browser(client, path, status, text)
        api = await client.get(path, headers={"Accept": "application/json"})
    if status == 400:
        assert api.status_code == 400
        assert api.headers["content-type"] == "application/problem+json"


async def _opened_in_a_browser(client: AsyncTestClient[Litestar], path: str, status: int, text: str) -> None:
    """``path`` as a browser opens it: a page of ``status`` that says ``text``, with its security policy."""
    response = await client.get(path, headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.status_code == status
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "<html" in response.text
    assert text in response.text
    assert response.headers["content-security-policy"]


# under the API documents too: litestar's own catch-all there (the renderers it did not set up) answered
# an English-only "Error 404" page
@pytest.mark.parametrize("path", ["/v1/nope", "/v1/log/nope", "/health/nope", "/schema/swagger", "/schema/x.html"])
async def test_unknown_api_paths_are_a_json_404(world: World, path: str) -> None:
    async with verify_client(world.database.url) as client:
        response = await client.get(path, headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert (body["status"], body["error"], body["message_zh"], body["message_en"]) == (
        404, "未找到 / Not Found", "未找到", "Not Found",
    )  # fmt: skip


async def test_framework_errors_keep_their_english_as_written(world: World) -> None:
    key = await make_key(world.database)
    async with verify_client(world.database.url) as client:
        malformed = await client.post(
            "/v1/verify", content=b'{"number":', headers={"Content-Type": "application/json", "X-API-Key": key}
        )
        method = await client.put("/v1/verify", json={})
        too_large = await client.post("/v1/verify", content=b" " * 17_000, headers={"X-API-Key": key})
    assert malformed.status_code == 400
    assert malformed.json()["error"] == "请求体不是有效的 JSON / Input data was truncated"
    assert method.status_code == 405
    assert method.json()["error"] == "不支持该请求方法 / Method Not Allowed"
    assert too_large.status_code == 413
    assert too_large.json()["error"] == (  # the route's limit named (it said only "too large")
        "请求内容过大（上限 16,384 字节） / Request Entity Too Large (the limit is 16,384 bytes)"
    )


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", "number=S1&name=张三"),  # an HTML form's or curl -d's encoding
        ("multipart/form-data; boundary=x", '--x\r\nContent-Disposition: form-data; name="number"\r\n\r\nS1\r\n--x--'),
    ],
)
async def test_a_form_sent_to_a_json_route_is_named_by_its_content_type(
    world: World, content_type: str, body: str
) -> None:
    """A form posted to a JSON route read "请求体不是有效的 JSON / JSON is malformed: invalid character (byte 0)":
    the client looked for a fault in JSON it never sent. The answer names what was sent and what to send."""
    async with verify_client(world.database.url) as client:
        response = await client.post("/v1/verify", content=body.encode(), headers={"Content-Type": content_type})
    assert response.status_code == 400
    sent = content_type.split(";", maxsplit=1)[0]
    problem = response.json()
    assert (
        problem["message_zh"]
        == f"请求体不是有效的 JSON（收到的是 {sent}，请以 JSON 发送，Content-Type: application/json）"
    )
    assert problem["message_en"].startswith("JSON is malformed: invalid character")
    assert problem["message_en"].endswith(
        f"(the body was sent as {sent}; send JSON, with Content-Type: application/json)"
    )
    async with verify_client(world.database.url) as client:  # JSON sent with curl -d's form type is still read
        lenient = await client.post(
            "/v1/verify",
            content=b'{"number": "S000043000101264000001", "name": "x"}',
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert lenient.status_code == 200, lenient.text


async def test_a_batch_over_a_thousand_items_names_the_limit_in_chinese_too(world: World) -> None:
    key = await make_key(world.database)
    too_many = {"items": [{"number": world.valid.number, "name": "张三"}] * 1001}
    async with verify_client(world.database.url) as client:
        response = await client.post("/v1/verify/batch", json=too_many, headers={"X-API-Key": key})
    assert response.status_code == 400
    assert response.json()["error"] == "一次最多查验 1000 张证书 / a batch holds at most 1000 items"


@pytest.mark.parametrize(
    ("path", "zh", "en"),
    [
        (
            "/v1/log/entries?start=-1&end=2&name=%E5%BC%A0%E4%B8%89&id=430102199001011234",
            "请求参数无效：查询参数 start 无效：须为不小于 0 的整数",
            "invalid request: start (query): Expected `int` >= 0",
        ),
        (
            "/v1/log/entries?start=0&name=%E5%BC%A0%E4%B8%89&id=430102199001011234",
            "缺少查询参数 end",
            "invalid request: missing query parameter 'end'",
        ),
    ],
)
async def test_a_refused_parameter_is_named_and_the_url_is_not_echoed(
    world: World, path: str, zh: str, en: str
) -> None:
    """Whatever else a client put in the query (a holder's name, a document number) is not quoted back."""
    async with verify_client(world.database.url) as client:
        response = await client.get(path)
    assert response.status_code == 400
    body = response.json()
    assert (body["message_zh"], body["message_en"]) == (zh, en)
    assert "430102199001011234" not in response.text
    assert "%E5%BC%A0" not in response.text


#: A refused body, and the two halves of its message after "请求参数无效：" / "invalid request: ".
REFUSED_BODIES = {
    "a field missing": (
        b'{"number":"S000043000101264000001"}',
        "请求体缺少字段 name",
        "Object missing required field `name`",
    ),
    "an unknown field": (
        b'{"number":"x","name":"y","id":"1"}',
        "请求体含未知字段 id",
        "Object contains unknown field `id`",
    ),
    "no body": (b"", "缺少请求体", "the request body is missing"),
    # the schema's own check: each half in its language (the Chinese said only 请求体格式不符)
    "both modes": (
        b'{"number":"S000043000101264000001","name":"y","id_type":"resident_id","id_number":"1"}',
        "请求体无效：证书编号与证件二选一",
        "give either number or id_type + id_number, not both",
    ),
    "neither mode": (
        b'{"name":"y","id_type":"resident_id"}',
        "请求体无效：请提供证书编号，或证件类型和证件号码",
        "give number, or id_type and id_number",
    ),
    "a wrong type": (
        b'{"number":1,"name":"y"}',
        "请求体 number 无效：须为文本",
        "number (body): Expected `str | null`, got `int`",
    ),
}


@pytest.mark.parametrize(("body", "zh", "en"), REFUSED_BODIES.values(), ids=REFUSED_BODIES.keys())
async def test_a_refused_body_names_its_field_in_both_languages(world: World, body: bytes, zh: str, en: str) -> None:
    async with verify_client(world.database.url) as client:
        response = await client.post("/v1/verify", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    problem = response.json()
    assert (problem["message_zh"], problem["message_en"]) == (f"请求参数无效：{zh}", f"invalid request: {en}")
    assert "/v1/verify" not in problem["error"]


async def test_a_batch_item_s_missing_field_is_named_in_chinese_too(world: World) -> None:
    key = await make_key(world.database)
    async with verify_client(world.database.url) as client:
        response = await client.post("/v1/verify/batch", json={"items": [{}]}, headers={"X-API-Key": key})
    assert response.status_code == 400
    problem = response.json()
    assert problem["message_zh"] == "请求参数无效：请求体 items[0] 缺少字段 name"
    assert problem["message_en"] == "invalid request: items[0] (body): Object missing required field `name`"


async def test_a_batch_item_in_both_modes_is_refused_in_each_language(world: World) -> None:
    key = await make_key(world.database)
    item = {"name": "张三", "number": "S000043000101264000001", "id_type": "resident_id", "id_number": "1"}
    async with verify_client(world.database.url) as client:
        response = await client.post("/v1/verify/batch", json={"items": [item]}, headers={"X-API-Key": key})
    assert response.status_code == 400
    problem = response.json()
    assert problem["message_zh"] == "请求参数无效：请求体 items[0] 无效：证书编号与证件二选一"
    assert (
        problem["message_en"] == "invalid request: items[0] (body): give either number or id_type + id_number, not both"
    )


@pytest.mark.parametrize("route", ["/v1/verify", "/v1/verify/batch"])
@pytest.mark.parametrize("joined", [False, True])
async def test_an_api_key_sent_twice_is_refused(world: World, route: str, joined: bool) -> None:
    """The first of two keys was believed, whichever one a proxy in front had checked or counted. Two keys in
    one header (joined by a comma) too, and the message says so (it said "send once" to who had)."""
    key = await make_key(world.database)
    body = {"number": world.valid.number, "name": "张三"}
    json = body if route == "/v1/verify" else {"items": [body]}
    sent = [("X-API-Key", f"{key},crk_other")] if joined else [("X-API-Key", key), ("X-API-Key", "crk_other")]
    async with verify_client(world.database.url) as client:
        response = await client.post(route, json=json, headers=sent)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == (
        "X-API-Key 与 Authorization 请求头各只能有一个，且只含一个密钥（不能有逗号） / "
        "send X-API-Key or Authorization once, holding one key (no comma)"
    )


@pytest.mark.parametrize("route", ["/v1/verify", "/v1/credentials"])
async def test_an_id_number_typed_as_the_certificate_number_is_not_quoted_back(world: World, route: str) -> None:
    """The 400 said "证书编号110101199003074514长度不符": a holder's ID number, whole, in an error."""
    async with verify_client(world.database.url) as client:
        response = await client.post(route, json={"number": "110101199003074514", "name": "张三"})
    assert response.status_code == 400, response.text
    assert "110101199003074514" not in response.text
    assert "11**************14" in response.json()["message_zh"]


@pytest.mark.parametrize("encoding", ["gzip", "br", "identity, gzip"])
async def test_a_compressed_body_is_a_415_not_malformed_json(world: World, encoding: str) -> None:
    key = await make_key(world.database)
    body = gzip.compress(b'{"items":[{"number":"S000043000101264000001","name":"x"}]}')
    headers = {"X-API-Key": key, "Content-Type": "application/json", "Content-Encoding": encoding}
    async with verify_client(world.database.url) as client:
        response = await client.post("/v1/verify/batch", content=body, headers=headers)
        plain = await client.post("/v1/verify", json={"number": "S000043000101264000001", "name": "x"})
    assert response.status_code == 415
    assert response.headers["accept-encoding"] == "identity"
    problem = response.json()
    assert problem["message_zh"] == "不支持压缩的请求体，请直接发送未压缩的内容"
    assert "JSON" not in problem["error"]
    assert plain.status_code == 200


async def test_a_number_copied_with_zero_width_characters_is_found(world: World) -> None:
    number = f"\u200b{world.valid.number}\ufeff"  # as a web page or a chat hands it over
    async with verify_client(world.database.url) as client:
        response = await client.post("/v1/verify", json={"number": number, "name": world.valid.holder_name})
    assert response.status_code == 200
    assert response.json()["result"] == "valid"
