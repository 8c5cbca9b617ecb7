"""The public pages in a real browser: Debian's headless Chromium driven by Playwright.

The verify app runs under uvicorn in its own process on an SQLite registry of four certificates. Each test
reads the verdict the way a person would (the big heading of the page) and saves a screenshot under
``test-artifacts/``. When Chromium cannot start, the tests are skipped on a developer machine and fail
under CI=true.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import ARTIFACTS, PHONE, Site
from tests.integration.verify.world import flip

pytestmark = pytest.mark.browser


@pytest.fixture(params=[True, False], ids=["js", "no-js"])
def js(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture
def page(js: bool, browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, java_script_enabled=js, locale="zh-CN")
    yield context.new_page()
    context.close()


def verdict(page: Page) -> str:
    return page.locator("#verdict h1").inner_text().strip()


def shoot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"verify-{name}.png"), full_page=True)


def test_qr_pages_show_each_verdict(site: Site, page: Page, js: bool) -> None:
    world = site.world
    cases = {
        "valid": (world.valid.token, "有效"),
        "revoked": (world.revoked.token, "已撤销"),
        "superseded": (world.superseded.token, "已补发"),
        "forged": (site.forged, "无法验证"),
        "tampered": (flip(world.valid.token, len(world.valid.token) - 20), "无法验证"),
    }
    for name, (token, expected) in cases.items():
        for prefix in ("/q/", "/Q/"):
            response = page.goto(site.url + prefix + token)
            assert response is not None
            assert response.status == 200
            assert verdict(page) == expected, (name, prefix)
        shoot(page, f"qr-{name}-{'js' if js else 'no-js'}")
    page.goto(f"{site.url}/Q/{world.revoked.token}")
    assert "以欺骗手段取得证书" in page.locator("#change-reason").inner_text()
    page.goto(f"{site.url}/Q/{world.superseded.token}")
    page.locator("#superseded-by a").click()
    assert page.locator("#number").input_value() == world.successor.number, "the short mode asks for the name"


def test_valid_page_shows_the_record_in_large_type(site: Site, page: Page, js: bool) -> None:
    page.goto(f"{site.url}/Q/{site.world.valid.token}")
    assert page.locator("#holder").inner_text() == "张三"
    assert page.locator("#holder-id").inner_text() == "430102********1234"
    assert page.locator("#subject").inner_text() == "电工"
    assert page.locator("#institution").inner_text() == "湖南省家政服务职业技能评价中心"
    if js:
        size = page.locator("#verdict h1").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        assert size >= 36, "the verdict is the largest thing on a phone screen"
    page.locator("#lang-toggle").click()
    assert verdict(page) == "Valid"
    shoot(page, f"qr-valid-en-{'js' if js else 'no-js'}")


def test_query_form_round_trip_and_no_enumeration(site: Site, page: Page, js: bool) -> None:
    world = site.world

    def ask(number: str, name: str) -> str:
        page.goto(site.url + "/")
        page.fill("#number", number)
        page.fill("#name", name)
        page.click("#submit")
        return page.locator("main").inner_text()

    right = ask(world.valid.number, "张三")
    assert verdict(page) == "有效"
    shoot(page, f"query-valid-{'js' if js else 'no-js'}")
    wrong_name = ask(world.valid.number, "张四")
    shoot(page, f"query-wrong-name-{'js' if js else 'no-js'}")
    missing = ask("S000043000101263999999", "张四")
    assert verdict(page) == "未查到"
    assert wrong_name == missing, "a wrong name and an unknown number read the same"
    assert "张三" in right
    assert "张三" not in wrong_name
    malformed = ask("12345", "张三")
    assert "证书编号格式不正确" in malformed
    shoot(page, f"query-bad-number-{'js' if js else 'no-js'}")
