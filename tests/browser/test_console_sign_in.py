"""Signing in to the staff console in a real Chromium (issue 16): sign-in and sign-out, the English toggle,
five wrong passwords lock the account, a TOTP-required role cannot get in without its code, enrolment with
the QR code and recovery codes, and a form posted without its CSRF token is refused. Screenshots of every
screen go to ``test-artifacts/console/`` at office (1366×768) and tablet (768×1024) sizes."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize

from issuer.auth.roles import Role
from issuer.console import totp
from issuer.console.accounts import require_totp
from registry.db import Database
from registry.schema import upgrade
from tests.browser.conftest import ARTIFACTS
from tests.factories import CITY, PROVINCE, SKILL_INSTITUTION, seed_world
from tests.integration.verify.servers import Server, local_get, wait_for
from tests.support import ID_HASH_KEY
from tests.support_console import ACTOR, PASSWORD, Staff, create_staff

pytestmark = pytest.mark.browser
OFFICE: ViewportSize = {"width": 1366, "height": 768}
TABLET: ViewportSize = {"width": 768, "height": 1024}
SHOTS = ARTIFACTS / "console"


class IssuerServer(Server):
    """The all-in-one app (issuer with verify mounted) under uvicorn."""

    def __enter__(self) -> IssuerServer:
        # the whole issuer imports slowly on a loaded machine (8 test runs on 2 cores): a minute, not 15 s
        try:
            wait_for(f"{self.url} to start", lambda: local_get(f"{self.url}/health/live", timeout=1).is_success, 60)
        except AssertionError:
            self.stop()  # never leave the process behind
            raise
        return self

    def command(self) -> list[str]:
        return [
            *super().command()[:3],
            "issuer.asgi:app",
            *super().command()[4:],
        ]


class Console:
    def __init__(self, url: str, staff: dict[str, Staff]) -> None:
        self.url = url
        self.staff = staff


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    path: Path = tmp_path_factory.mktemp("console-browser")
    url = f"sqlite+aiosqlite:///{path / 'registry.db'}"

    async def registry() -> dict[str, Staff]:
        database = Database(url)
        await upgrade(database.write_engine)
        await seed_world(database)
        staff = {
            "inst": await create_staff(database, login="inst.li", role=Role.INSTITUTION, org_code=SKILL_INSTITUTION),
            "locked": await create_staff(
                database, login="inst.zhao", role=Role.INSTITUTION, org_code=SKILL_INSTITUTION
            ),
            "prov": await create_staff(
                database, login="prov.wang", role=Role.PROVINCE_REVIEWER, org_code=PROVINCE, with_totp=True
            ),
            "city": await create_staff(database, login="city.chen", role=Role.CITY_REVIEWER, org_code=CITY),
        }
        async with database.transaction() as session:
            await require_totp(session, Role.PROVINCE_REVIEWER, True, actor=ACTOR)
            await require_totp(session, Role.CITY_REVIEWER, True, actor=ACTOR)
        await database.dispose()
        return staff

    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API may already run a loop in this thread
        staff = pool.submit(asyncio.run, registry()).result()
    settings: dict[str, Any] = {
        "database_url": url,
        "id_hash_key": ID_HASH_KEY,
        "key_dir": str(path / "keys"),
        "key_passphrase": "test-passphrase",
        "key_kdf": "insecure-test-only",
        "console_login_rate_per_minute": 1000,
    }
    SHOTS.mkdir(parents=True, exist_ok=True)
    with IssuerServer(**settings) as server:
        yield Console(server.url, staff)


def _page(browser: Browser, viewport: ViewportSize = OFFICE) -> Page:
    return browser.new_context(viewport=viewport, locale="zh-CN").new_page()


def _go(page: Page, selector: str) -> None:
    """Click what loads a new page, and wait until it has (reading the old page meanwhile would be a race)."""
    with page.expect_navigation():
        page.click(selector)


def _submit_login(page: Page, url: str, login: str, password: str, code: str = "") -> None:
    page.goto(f"{url}/console/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    if code:
        page.fill("input[name=totp]", code)
    _go(page, "button[type=submit]")


def test_sign_in_dashboard_english_and_sign_out(browser: Browser, console: Console) -> None:
    page = _page(browser)
    page.goto(f"{console.url}/console/")
    assert page.url.endswith("/console/login?next=%2Fconsole%2F")
    assert page.locator("h1").inner_text() == "工作人员登录"
    page.screenshot(path=str(SHOTS / "login-1366.png"), full_page=True)
    _submit_login(page, console.url, "inst.li", PASSWORD)
    assert page.url == f"{console.url}/console/"
    assert "inst.li" in page.get_by_test_id("welcome").inner_text()
    assert page.get_by_test_id("signed-in-as").inner_text() == "inst.li"
    page.screenshot(path=str(SHOTS / "dashboard-1366.png"), full_page=True)
    _go(page, "text=修改密码")
    assert page.locator("h1").inner_text() == "修改密码"
    page.screenshot(path=str(SHOTS / "password-1366.png"), full_page=True)
    page.goto(f"{console.url}/console/")
    _go(page, "text=English")
    assert page.locator("h1").inner_text() == "Dashboard"
    page.goto(f"{console.url}/console/")  # the choice is kept in a cookie
    assert page.locator("h1").inner_text() == "Dashboard"
    page.screenshot(path=str(SHOTS / "dashboard-en-1366.png"), full_page=True)
    _go(page, "text=中文")
    _go(page, "button:has-text('退出')")
    assert page.url == f"{console.url}/console/login?notice=signed_out"
    assert page.get_by_role("status").inner_text() == "您已退出登录 / you have signed out"
    page.goto(f"{console.url}/console/")
    assert "/console/login" in page.url
    tablet = _page(browser, TABLET)
    _submit_login(tablet, console.url, "inst.li", PASSWORD)
    tablet.screenshot(path=str(SHOTS / "dashboard-tablet.png"), full_page=True)
    width = tablet.evaluate("document.documentElement.scrollWidth")
    assert width <= TABLET["width"]  # nothing runs off the side of a tablet


def test_five_wrong_passwords_lock_the_account(browser: Browser, console: Console) -> None:
    page = _page(browser)
    for _ in range(4):
        _submit_login(page, console.url, "inst.zhao", "not-the-password")
        assert "登录名或密码不正确" in page.get_by_test_id("login-error").inner_text()
    page.screenshot(path=str(SHOTS / "login-wrong-password.png"), full_page=True)
    _submit_login(page, console.url, "inst.zhao", "not-the-password")  # locks it, said as any wrong password
    assert "登录名或密码不正确" in page.get_by_test_id("login-error").inner_text()
    _submit_login(page, console.url, "inst.zhao", PASSWORD)  # the right password waits, and learns why
    assert "账户已锁定" in page.get_by_test_id("login-error").inner_text()
    assert "/console/login" in page.url
    page.screenshot(path=str(SHOTS / "login-locked.png"), full_page=True)


def test_a_totp_required_role_needs_its_code(browser: Browser, console: Console) -> None:
    staff = console.staff["prov"]
    page = _page(browser)
    _submit_login(page, console.url, staff.login, PASSWORD)
    assert "请输入动态口令" in page.get_by_test_id("login-error").inner_text()
    page.goto(f"{console.url}/console/")
    assert "/console/login" in page.url  # not signed in
    page.screenshot(path=str(SHOTS / "login-code-needed.png"), full_page=True)
    _submit_login(page, console.url, staff.login, PASSWORD, staff.code())
    assert page.url == f"{console.url}/console/"
    assert "已启用动态口令" in page.content()


def test_enrolment_shows_a_qr_code_then_recovery_codes_once(browser: Browser, console: Console) -> None:
    page = _page(browser)
    _submit_login(page, console.url, "city.chen", PASSWORD)
    assert page.url == f"{console.url}/console/totp"
    assert page.get_by_test_id("totp-qr").locator("svg").count() == 1
    page.screenshot(path=str(SHOTS / "totp-enrol.png"), full_page=True)
    page.goto(f"{console.url}/console/")
    assert page.url == f"{console.url}/console/totp"  # nothing else before enrolment
    text = page.get_by_test_id("totp-secret").inner_text()
    secret = base64.b32decode(text + "=" * (-len(text) % 8))
    page.fill("input[name=code]", totp.totp(secret, time.time()))
    _go(page, "button:has-text('启用')")
    codes = page.get_by_test_id("recovery-codes").locator("code").all_inner_texts()
    assert len(codes) == 10
    page.screenshot(path=str(SHOTS / "totp-recovery-codes.png"), full_page=True)
    _go(page, "text=我已保存，继续")
    assert page.url == f"{console.url}/console/"


def test_a_form_without_its_csrf_token_is_refused(browser: Browser, console: Console) -> None:
    page = _page(browser)
    _submit_login(page, console.url, "inst.li", PASSWORD)
    page.locator("form[action='/console/logout'] input[name=_csrf]").evaluate("field => field.remove()")
    _go(page, "button:has-text('退出')")
    assert "CSRF" in page.get_by_test_id("error-message").inner_text()
    page.screenshot(path=str(SHOTS / "csrf-refused.png"), full_page=True)
    page.goto(f"{console.url}/console/")
    assert page.url == f"{console.url}/console/"  # the refused sign-out changed nothing
