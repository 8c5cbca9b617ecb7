"""What a person sees, in Debian's headless Chromium (issue 10, items 13 and 17): the API documentation
renders with the network blocked; on a 360 px phone the certificate number stays on one line; the header
names the province's centre; the log link opens a page that explains the inclusion proof. Screenshots go
to ``test-artifacts/``."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route

from issuer.checkpoints import publish_checkpoint
from registry.db import Database
from registry.schema import upgrade
from tests.browser.conftest import ARTIFACTS, Site
from tests.integration.verify.servers import Server
from tests.integration.verify.test_log_proofs import ORIGIN
from tests.integration.verify.world import World, build_world
from tests.support import make_settings

pytestmark = pytest.mark.browser


async def _registry_with_checkpoint(path: Path) -> World:
    database = Database(f"sqlite+aiosqlite:///{path / 'registry.db'}")
    await upgrade(database.write_engine)
    world = await build_world(database, path / "keys")
    await publish_checkpoint(world.database, world.store, make_settings(log_origin=ORIGIN))
    await database.dispose()
    return world


@pytest.fixture(scope="module")
def logged_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    world = asyncio.run(_registry_with_checkpoint(tmp_path_factory.mktemp("browser-log")))
    settings: dict[str, Any] = {"database_url": world.database.url, "public_rate_per_minute": 100_000}
    with Server(**settings) as server:
        yield Site(server.url, world, "")


def offline_page(browser: Browser, site: Site, *, width: int, height: int) -> tuple[Page, list[str]]:
    """A page whose every request to anywhere but the site is aborted (and recorded)."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    blocked: list[str] = []

    def only_the_site(route: Route) -> None:
        if route.request.url.startswith(site.url) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_site)
    return context.new_page(), blocked


def test_the_api_docs_render_with_the_network_blocked(logged_site: Site, browser: Browser) -> None:
    page, blocked = offline_page(browser, logged_site, width=1280, height=900)
    asked: list[str] = []  # what the page asked for, even what its security policy then refused
    page.on(
        "request", lambda r: asked.append(r.url) if not r.url.startswith((logged_site.url, "data:", "blob:")) else None
    )
    page.goto(f"{logged_site.url}/schema")
    page.locator("h2", has_text="查验一张证书").first.wait_for(timeout=20_000)
    assert page.locator("h1").first.inner_text().strip().startswith("certreg verify API")
    page.screenshot(path=str(ARTIFACTS / "verify-api-docs-offline.png"))
    page.context.close()
    assert blocked == [], f"the docs tried to fetch {blocked}"
    assert asked == [], f"the docs asked for {asked}"


def test_on_a_phone_the_number_is_one_line_and_the_header_names_the_centre(logged_site: Site, browser: Browser) -> None:
    page, blocked = offline_page(browser, logged_site, width=360, height=740)
    page.goto(f"{logged_site.url}/Q/{logged_site.world.valid.token}")
    number = page.locator("#number")
    assert number.inner_text().strip() == logged_site.world.valid.number
    box = number.evaluate(
        "e => { const r = document.createRange(); r.selectNodeContents(e); const lines = new Set("
        "[...r.getClientRects()].map(x => Math.round(x.top))); const b = e.getBoundingClientRect();"
        " return {lines: lines.size, right: b.right, width: document.documentElement.clientWidth}; }"
    )
    page.screenshot(path=str(ARTIFACTS / "verify-phone-360-number.png"), full_page=True)
    assert box["lines"] == 1, f"the number breaks over {box['lines']} lines"
    assert box["right"] <= box["width"], "the number runs off the screen"
    assert page.locator("#site-authority").inner_text().strip() == "湖南省职业技能鉴定中心"
    assert "湖南省职业技能鉴定中心 · 证书查验" in page.locator("header .site").inner_text()
    page.goto(f"{logged_site.url}/Q/{logged_site.world.valid.token}?lang=en")
    assert "Hunan Vocational Skill Assessment Centre" in page.locator("header").inner_text()
    page.context.close()
    assert blocked == []


def test_the_log_link_opens_a_page_that_explains_the_proof(logged_site: Site, browser: Browser) -> None:
    page, _ = offline_page(browser, logged_site, width=360, height=740)
    page.goto(f"{logged_site.url}/Q/{logged_site.world.valid.token}")
    page.locator("#log a").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().strip() == "公开日志收录证明"
    assert "无法事后悄悄删除" in page.locator("#proof").inner_text()
    assert "包含在省中心签名的日志检查点中" in page.locator("#proof-what").inner_text()
    assert page.locator("#checkpoint").inner_text().startswith(ORIGIN)
    page.screenshot(path=str(ARTIFACTS / "verify-log-proof-zh.png"), full_page=True)
    page.locator("#lang-toggle").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().strip() == "Transparency log: proof of inclusion"
    page.screenshot(path=str(ARTIFACTS / "verify-log-proof-en.png"), full_page=True)
    page.locator("#proof-json").click()
    page.wait_for_load_state()
    assert '"root_hash"' in page.content(), "the JSON is kept for machines"
    page.context.close()
