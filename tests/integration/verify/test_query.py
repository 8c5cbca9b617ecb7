"""The public query (``/``, ``/c/``, ``POST /v1/verify``): a number alone reveals nothing, a wrong name and
an unknown number are the same answer, a malformed number is refused before any look-up."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import HOLDER_IDS, issue_test_certificates
from tests.integration.verify.test_qr import verdict_of
from tests.integration.verify.world import World, verify_client

UNKNOWN = "S000043000101263999999"  # well-formed, never issued


async def test_form_round_trip_with_the_right_name(world: World) -> None:
    async with verify_client(world.database.url) as client:
        form = await client.get("/")
        page = await client.get("/", params={"number": world.valid.number, "name": "张三"})
        spaced = await client.get("/", params={"number": world.valid.number.lower(), "name": " 张　三 "})
    assert form.status_code == 200
    assert '<form method="get" action="/"' in form.text
    assert page.status_code == 200
    assert verdict_of(page.text) == ("valid", "valid")
    assert "430102********1234" in page.text
    assert spaced.text == page.text, "names and numbers are compared after normalisation"


async def test_wrong_name_and_unknown_number_are_the_same_answer(world: World) -> None:
    async with verify_client(world.database.url) as client:
        for _ in range(2):  # first from the database, then from the caches
            wrong_page = await client.get("/", params={"number": world.valid.number, "name": "张四"})
            missing_page = await client.get("/", params={"number": UNKNOWN, "name": "张四"})
            wrong = await client.post("/v1/verify", json={"number": world.valid.number, "name": "张四"})
            missing = await client.post("/v1/verify", json={"number": UNKNOWN, "name": "张四"})
            assert (wrong_page.status_code, wrong_page.content) == (missing_page.status_code, missing_page.content)
            assert without_request_id(wrong_page.headers) == without_request_id(missing_page.headers)
            assert (wrong.status_code, wrong.content) == (missing.status_code, missing.content)
            assert verdict_of(wrong_page.text) == ("not_found", "not_found")
            assert wrong.json()["result"] == "not_found"
            for answer in (wrong_page.text, wrong.text):
                assert "张三" not in answer
                assert "430102" not in answer
                assert world.valid.number not in answer


async def test_a_number_alone_never_shows_a_name(world: World) -> None:
    async with verify_client(world.database.url) as client:
        only_number = await client.get("/", params={"number": world.valid.number})
        short = await client.get(f"/c/{world.valid.number}")
        short_en = await client.get(f"/c/{world.valid.number}?lang=en")
        no_name = await client.post("/v1/verify", json={"number": world.valid.number, "name": ""})
    assert only_number.status_code == 400
    assert "请同时输入证书编号和姓名" in only_number.text
    assert short.status_code == 200
    assert f'value="{world.valid.number}"' in short.text
    assert "请输入持证人姓名以查看此证书" in short.text
    assert "Enter the holder&#39;s name to see this certificate." in short_en.text
    assert no_name.status_code == 400
    for page in (only_number, short, short_en, no_name):
        assert "张三" not in page.text


@pytest.mark.parametrize(
    "number", ["12345", "S00004300010126300000X", "S0000430001012600000011", "S000043000101253000001" + "0" * 40]
)
async def test_malformed_numbers_get_a_format_message(world: World, number: str) -> None:
    async with verify_client(world.database.url) as client:
        page = await client.get("/", params={"number": number, "name": "张三"})
        api = await client.post("/v1/verify", json={"number": number[:64], "name": "张三"})
        metrics = (await client.get("/metrics")).text
    assert page.status_code == 400
    assert "证书编号格式不正确" in page.text
    assert api.status_code == 400
    assert api.json()["error"].startswith("证书编号格式错误")
    assert api.json()["errors"]["field"] == "number"
    assert 'certreg_verify_database_total{outcome="query"} 0.0' in metrics, "refused before any look-up"
    assert 'certreg_verify_cache_total{level="local",outcome="miss"} 0.0' in metrics


async def test_verify_api_answers(world: World) -> None:
    async with verify_client(world.database.url) as client:
        valid = await client.post("/v1/verify", json={"number": world.valid.number, "name": "张三"})
        revoked = await client.post("/v1/verify", json={"number": world.revoked.number, "name": "李四"})
        superseded = await client.post("/v1/verify", json={"number": world.superseded.number, "name": "王五"})
        bad_json = await client.post("/v1/verify", content=b"{not json")
        extra = await client.post("/v1/verify", json={"number": world.valid.number, "name": "张三", "id": "x"})
    assert valid.status_code == 200
    body = valid.json()
    assert body["result"] == "valid"
    assert body["certificate"]["holder_id_masked"] == "430102********1234"
    assert body["certificate"]["subject_name"] == "电工"
    assert body["certificate"]["log_proof"] == f"/v1/log/proof/inclusion?index={body['certificate']['log_index']}"
    assert revoked.json()["result"] == "revoked"
    assert superseded.json()["status"]["superseded_by"] == world.successor.number
    assert bad_json.status_code == 400
    assert bad_json.json()["error"].startswith("请求体不是有效的 JSON / ")
    assert extra.status_code == 400


async def test_english_query_result_links_back_to_chinese(world: World) -> None:
    async with verify_client(world.database.url) as client:
        page = await client.get("/", params={"number": world.valid.number, "name": "张三", "lang": "en"})
        toggle = page.text.split('id="lang-toggle" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
        back = await client.get(toggle)
    assert "<h1>Valid</h1>" in page.text
    assert "<h1>有效</h1>" in back.text


async def test_oversized_bodies_are_refused_not_buffered(world: World) -> None:
    async with verify_client(world.database.url) as client:
        long_name = await client.post("/v1/verify", json={"number": world.valid.number, "name": "张" * 3000})
        huge = await client.post(
            "/v1/verify",
            content=b'{"number":"x","name":"' + b"a" * 40_000 + b'"}',
            headers={"Content-Type": "application/json"},
        )
    assert long_name.status_code == 400
    assert long_name.json()["error"].startswith("请求参数无效")
    assert huge.status_code == 413
    assert huge.json()["error"].startswith("请求内容过大")


async def test_a_name_with_a_rare_character_is_found_with_spaces_typed_in_it(world: World) -> None:
    """ "王 𠀾 华" finds 王𠀾华 as "张 三" finds 张三 (𠀾 is U+2003E, CJK Extension B; issue 10, item 5)."""
    (rare,) = await issue_test_certificates(world.database, world.store, [("王\U0002003e华", HOLDER_IDS[3])])
    async with verify_client(world.database.url) as client:
        for typed in ("王\U0002003e华", "王 \U0002003e 华", "王\u3000\U0002003e\u3000华"):
            answer = await client.post("/v1/verify", json={"number": rare.number, "name": typed})
            page = await client.get("/", params={"number": rare.number, "name": typed})
            assert answer.json()["result"] == "valid", (typed, answer.text)
            assert verdict_of(page.text) == ("valid", "valid")
            assert "王\U0002003e华" in page.text


def without_request_id(headers: httpx.Headers) -> dict[str, str]:
    """The headers but the request id, which is new for every request (verify/http/edge.py)."""
    return {k: v for k, v in headers.items() if k != "x-request-id"}
