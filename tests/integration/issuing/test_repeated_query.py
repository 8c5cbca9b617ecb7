"""A query parameter a route reads once, sent twice, is a bilingual 400 naming it (verify/http/repeated.py):
litestar kept the last value silently (``?variant=print&variant=electronic`` answered the electronic PDF)."""

from __future__ import annotations

from tests.integration.issuing.conftest import Api


async def test_a_repeated_parameter_of_a_public_api_route_is_refused(api: Api) -> None:
    answer = await api.client.get("/v1/log/entries?start=0&end=1&start=0")
    assert answer.status_code == 400, answer.text
    message = answer.json()["error"]
    assert "查询参数 start" in message
    assert "出现了多次" in message
    assert "start (query): given more than once" in message


async def test_a_repeated_lang_on_a_public_page_is_a_page_naming_it(api: Api) -> None:
    answer = await api.client.get("/?lang=en&lang=zh", headers={"Accept": "text/html"})
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert "lang" in answer.text
    assert "given more than once" in answer.text


async def test_a_repeated_parameter_of_an_issuer_route_is_refused(api: Api) -> None:
    url = "/v1/documents/test-print.pdf?kind=qualification&kind=skill_level"
    answer = await api.client.get(url, headers=api.headers["institution"])
    assert answer.status_code == 400, answer.text
    message = answer.json()["error"]
    assert "查询参数 kind" in message
    assert "kind (query): given more than once" in message


async def test_distinct_parameters_and_unread_repeats_are_answered(api: Api) -> None:
    url = "/v1/documents/test-print.pdf?kind=qualification&offset=0,0&utm=a&utm=b"
    assert (await api.client.get(url, headers=api.headers["institution"])).status_code == 200
    assert (await api.client.get("/v1/log/entries?start=0&end=1&x=1&x=2")).status_code != 400
