"""The console's screens in a real browser (Debian's Chromium driven by Playwright), each step of a batch's
way done by a DIFFERENT signed-in staff member, as issue 16 asks: an institution uploads a file with bad
rows, fixes it and resubmits; the city reviews; the province approves; another institution user starts the
notice; a city user records an objection and a province reviewer resolves it; a province admin issues
(the progress page); another admin revokes one certificate (reason, then the confirmation step), and the
public page says it is revoked. Also: an institution user cannot open another institution's batch (403,
nothing shown). A screenshot of every screen goes to ``test-artifacts/console/``.

The all-in-one app runs under uvicorn on an SQLite registry; the seven days of the notice pass the way
tests/integration/test_end_to_end.py lets them pass (its end moved into the past in the database). The
second test looks at the registry the first one left (one server per module, tests in file order).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final, TypeVar

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize
from sqlalchemy import update

from issuer.auth.roles import Role
from registry.db import Database
from registry.models import Batch
from registry.schema import upgrade
from tests.browser.conftest import ARTIFACTS, PHONE
from tests.factories import CITY, PROVINCE, SKILL_INSTITUTION, add_keys, key_store, seed_world
from tests.factories.world import OTHER_INSTITUTION
from tests.integration.batches.helpers import csv_file, good_rows, seed_other_prefecture
from tests.integration.verify.servers import Server, local_get, wait_for
from tests.support import ID_HASH_KEY
from tests.support_console import PASSWORD, create_staff

pytestmark = pytest.mark.browser

T = TypeVar("T")
SHOTS = ARTIFACTS / "console"
OFFICE: ViewportSize = {"width": 1366, "height": 768}
#: login → (role, organisation): one person per step of the way.
STAFF = {
    "inst1": (Role.INSTITUTION, SKILL_INSTITUTION),
    "inst2": (Role.INSTITUTION, SKILL_INSTITUTION),
    "other1": (Role.INSTITUTION, OTHER_INSTITUTION),
    "city1": (Role.CITY_REVIEWER, CITY),
    "city2": (Role.CITY_REVIEWER, CITY),
    "prov1": (Role.PROVINCE_REVIEWER, PROVINCE),
    "prov2": (Role.PROVINCE_REVIEWER, PROVINCE),
    "admin1": (Role.PROVINCE_ADMIN, PROVINCE),
    "admin2": (Role.PROVINCE_ADMIN, PROVINCE),
}


class IssuerServer(Server):
    """``uvicorn issuer.asgi:app``: the all-in-one app with the console."""

    def command(self) -> list[str]:
        return [*super().command()[:3], "issuer.asgi:app", *super().command()[4:]]

    def __enter__(self) -> IssuerServer:
        # the all-in-one app imports far more than verify's (documents, fonts): on a loaded machine it takes
        # longer than the 15 s the verify server is given
        try:
            wait_for(f"{self.url} to start", lambda: local_get(f"{self.url}/health/live", timeout=1).status_code == 200,
                     timeout=90)  # fmt: skip
        except AssertionError:
            self.stop()  # never leave the process behind (``__exit__`` does not run when this raises)
            raise
        return self


class Console:
    def __init__(self, url: str, database_url: str, files: Path) -> None:
        self.url = url
        self.database_url = database_url
        self.files = files


def in_thread(work: Coroutine[Any, Any, T]) -> T:
    """Run ``work`` to its end on a loop of its own (Playwright's sync API holds this thread's loop)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()


async def _seed(directory: Path) -> str:
    url = f"sqlite+aiosqlite:///{directory / 'registry.db'}"
    database = Database(url)
    await upgrade(database.write_engine)
    await seed_world(database)
    await seed_other_prefecture(database)
    await add_keys(database, key_store(directory / "keys"))
    for login, (role, org) in STAFF.items():
        await create_staff(database, login=login, role=role, org_code=org)
    await database.dispose()
    return url


async def _notice_ends_now(database_url: str) -> None:
    """Stand-in for the seven days of the notice passing (the test does not wait a week)."""
    database = Database(database_url)
    async with database.transaction() as session:
        await session.execute(update(Batch).values(notice_ends_at=datetime.now(UTC) - timedelta(seconds=1)))
    await database.dispose()


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    directory = tmp_path_factory.mktemp("console")
    url = in_thread(_seed(directory))
    bad = good_rows(3)
    bad[1][1] = "430102199001011230"  # row 3: a check digit that does not fit
    (directory / "bad.csv").write_bytes(csv_file(bad))
    (directory / "fixed.csv").write_bytes(csv_file(good_rows(3)))
    settings = {
        "database_url": url, "key_dir": str(directory / "keys"), "key_passphrase": "test-passphrase",
        "key_kdf": "insecure-test-only", "id_hash_key": ID_HASH_KEY, "public_rate_per_minute": 100_000,
    }  # fmt: skip
    with IssuerServer(**settings) as server:
        yield Console(server.url, url, directory)


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def signed_in(browser: Browser, console: Console, login: str, viewport: ViewportSize = OFFICE) -> BrowserContext:
    """A browser of its own for ``login``, signed in through the sign-in page."""
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{console.url}/console/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/console/$"))
    return context


def step_on_rows(page: Page, url: str, batch: int, form: str, rows: str, reason: str, button: str) -> None:
    """On the batch's page: ``rows`` and ``reason`` typed into the form ``#form``, then ``#button`` pressed."""
    page.goto(f"{url}/console/batches/{batch}")
    page.fill(f"#{form} input[name=rows]", rows)
    page.fill(f"#{form} input[name=reason]", reason)
    page.click(f"#{button}")
    page.wait_for_load_state()


#: Module fixtures whose journey has run (the other screens look at what it left: a batch, certificates).
_JOURNEYED: set[str] = set()


def test_a_batch_through_the_console_each_step_by_another_person(browser: Browser, console: Console) -> None:
    journey(browser, console)


def journey(browser: Browser, console: Console) -> None:
    url = console.url
    inst1 = signed_in(browser, console, "inst1").pages[0]
    inst1.goto(f"{url}/console/batches/new")
    shoot(inst1, "01-upload")
    inst1.select_option("select[name=kind]", "skill_level")
    inst1.fill("input[name=assessed_on]", "2025-06-01")
    inst1.set_input_files("input[name=file]", str(console.files / "bad.csv"))
    inst1.click("#upload")
    inst1.wait_for_url(re.compile(r"/console/batches/\d+\?status=bad"))
    batch = int(re.search(r"/batches/(\d+)", inst1.url).group(1))  # type: ignore[union-attr]
    problem = inst1.locator("#row-3 .problem").inner_text()
    assert "身份证号" in problem, problem
    assert "规则" in problem, problem
    shoot(inst1, "02-row-report-bad-rows")
    inst1.set_input_files("#resubmit-form input[name=file]", str(console.files / "fixed.csv"))
    inst1.click("#resubmit")
    inst1.wait_for_load_state()
    assert "错误 0" in inst1.locator("#counts").inner_text()
    shoot(inst1, "03-resubmitted")

    city1 = signed_in(browser, console, "city1").pages[0]
    city1.goto(f"{url}/console/queue/city")
    shoot(city1, "04-city-queue")
    city1.click(f"a[href='/console/batches/{batch}']")
    city1.click("#review-approve")
    city1.wait_for_load_state()
    assert city1.locator("#state").inner_text() == "市州已审核"

    prov1 = signed_in(browser, console, "prov1").pages[0]
    prov1.goto(f"{url}/console/queue/province")
    shoot(prov1, "05-province-queue")
    prov1.click(f"a[href='/console/batches/{batch}']")
    shoot(prov1, "06-province-review")
    prov1.click("#approve-approve")
    prov1.wait_for_load_state()
    assert prov1.locator("#state").inner_text() == "省级已批准"

    inst2 = signed_in(browser, console, "inst2").pages[0]
    inst2.goto(f"{url}/console/batches/{batch}")
    inst2.click("#start-notice")
    inst2.wait_for_load_state()
    assert re.match(r"\d{4}-\d\d-\d\d", inst2.locator("#notice-ends").inner_text())
    shoot(inst2, "07-under-notice")

    city2 = signed_in(browser, console, "city2").pages[0]
    step_on_rows(city2, url, batch, "objection-form", "3", "举报：未参加考核", "record-objection")
    assert "暂缓 1" in city2.locator("#counts").inner_text()
    shoot(city2, "08-objection-recorded")

    prov2 = signed_in(browser, console, "prov2").pages[0]
    step_on_rows(prov2, url, batch, "resolve-form", "3", "经核实参加了考核", "resolve-release")
    assert "暂缓 0" in prov2.locator("#counts").inner_text()

    in_thread(_notice_ends_now(console.database_url))
    admin1 = signed_in(browser, console, "admin1").pages[0]
    admin1.goto(f"{url}/console/batches/{batch}")
    shoot(admin1, "09-ready-to-issue")
    admin1.click("#issue")
    admin1.wait_for_url(re.compile(r"/issuing$"))
    shoot(admin1, "10-issue-progress")
    admin1.locator("#issued").wait_for(timeout=30_000)  # the page refreshes itself until done
    shoot(admin1, "11-issued")
    admin1.click("#back-to-batch")
    number = admin1.locator("#row-2 a").inner_text()
    shoot(admin1, "12-issued-batch")

    admin2 = signed_in(browser, console, "admin2").pages[0]
    admin2.goto(f"{url}/console/certificates")
    admin2.fill("#by-number input[name=number]", number)
    admin2.click("#find-number")
    admin2.wait_for_url(re.compile(r"/console/certificates/"))
    shoot(admin2, "13-certificate")
    admin2.fill("#revoke-form input[name=reason]", "证书信息有误")
    admin2.click("#revoke")
    admin2.wait_for_load_state()
    assert "不能恢复" in admin2.locator("#consequence").inner_text()
    shoot(admin2, "14-revoke-confirmation")
    admin2.click("#confirm")
    admin2.wait_for_url(re.compile(r"done=revoke"))
    assert admin2.locator("#status").inner_text().startswith("已撤销")
    shoot(admin2, "15-revoked")
    history = admin2.goto(f"{url}/console/batches/{batch}")
    assert history is not None
    actors = admin2.locator("#history .actor").all_inner_texts()
    assert {a.split(":")[1] for a in actors} >= {"inst1", "city1", "prov1", "inst2", "city2", "prov2", "admin1"}

    public = browser.new_context(viewport=OFFICE, locale="zh-CN").new_page()
    public.goto(f"{url}/c/{number}")
    public.fill("#name", "张三")
    public.click("#submit")
    public.wait_for_load_state()
    assert public.locator("#verdict h1").inner_text().strip() == "已撤销"
    shoot(public, "16-public-page-revoked")
    _JOURNEYED.add(console.url)


def test_the_other_screens_and_another_institution_s_batch(browser: Browser, console: Console) -> None:
    url = console.url
    if url not in _JOURNEYED:  # run alone, or on another xdist worker than the journey: make its batch first
        journey(browser, console)
    inst1 = signed_in(browser, console, "inst1").pages[0]
    inst1.goto(f"{url}/console/batches")
    shoot(inst1, "20-batches-by-state")
    link = inst1.locator("#batches a").first.get_attribute("href")
    assert link is not None

    other = signed_in(browser, console, "other1").pages[0]
    refused = other.goto(f"{url}{link}")
    assert refused is not None
    assert refused.status == 403
    assert "不存在" in other.locator("#refusal").inner_text()
    assert other.locator("#rows").count() == 0
    assert "张三" not in other.content()
    shoot(other, "21-another-institution-refused")

    admin = signed_in(browser, console, "admin1").pages[0]
    admin.goto(f"{url}/console/certificates")
    admin.fill("#by-holder input[name=name]", "张三")
    admin.fill("#by-holder input[name=id_number]", good_rows(1)[0][1])
    admin.click("#find-holder")
    admin.wait_for_load_state()
    assert "/console/certificates/search" in admin.url  # a POST: no name or ID number in the URL
    assert admin.locator("#found tr").count() >= 2
    assert "********" in admin.locator("#found").inner_text()  # masked only
    shoot(admin, "22-certificate-search")
    admin.goto(f"{url}/console/trust")
    assert admin.locator("#checkpoint").count() == 1
    shoot(admin, "23-trust")
    admin.goto(f"{url}/console/batches?lang=en")
    assert "Batches" in admin.locator("h1").inner_text()
    shoot(admin, "24-batches-english")
    page = signed_in(browser, console, "admin2", {"width": 768, "height": 1024}).pages[0]
    page.goto(f"{url}/console/batches/1")
    shoot(page, "25-batch-on-a-tablet")


#: What sticks out of the window on the right (tag#id, its right edge), and how wide the page is.
_WIDER: Final = """() => { const w = document.documentElement.clientWidth;
  const out = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w + 1
    && !e.closest('.scroll')).map(e => e.tagName + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().right));
  return {width: w, page: document.documentElement.scrollWidth, out: out.slice(0, 5)}; }"""
#: How many lines the text of ``selector`` takes.
_LINES: Final = """s => { const r = document.createRange(); r.selectNodeContents(document.querySelector(s));
  return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size; }"""


def test_on_a_phone_nothing_is_cut_off_and_the_tables_scroll(browser: Browser, console: Console) -> None:
    """At 390 px the batch's page was 636 px wide: its tables pushed the page sideways past the header, and
    the row report squeezed a name to one character a line. A wide table now scrolls in its own box."""
    url = console.url
    if url not in _JOURNEYED:
        journey(browser, console)
    page = signed_in(browser, console, "admin1", PHONE).pages[0]
    page.goto(f"{url}/console/batches/1")
    number = page.locator("#row-2 a").inner_text()
    for path in ["/console/batches", "/console/batches/1", f"/console/certificates/{number}", "/console/trust"]:
        page.goto(f"{url}{path}")
        wider = page.evaluate(_WIDER)
        assert wider["page"] == wider["width"] == PHONE["width"], (path, wider)
    page.goto(f"{url}/console/batches/1")
    shoot(page, "26-batch-on-a-phone")
    assert page.evaluate(_LINES, "#row-2 td:nth-child(3)") == 1  # the holder's name on one line
    report = page.locator("#rows").locator("xpath=..")
    assert report.evaluate("e => getComputedStyle(e).overflowX") == "auto"
    assert report.evaluate("e => e.scrollWidth > e.clientWidth")  # it scrolls, within the page
    report.evaluate("e => e.scrollLeft = e.scrollWidth")
    assert page.locator("#row-2 td:last-child a").is_visible()  # the certificate number, scrolled to
