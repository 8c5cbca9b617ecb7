"""What a person at the console's edges sees (found walking the demo's batch life as each role): a wrong
method or a body past the form limit is a page, not JSON; the notice days the API refuses are refused here
too; a second click on "issue" does not hide what the first issued; a refusal leads back to where the
user was; a replacement's correction is checked and shown before it is confirmed. Every refusal is a
Chinese / English message on a page, and nothing is written by a refused request (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import html
import re
from pathlib import Path
from urllib.parse import quote, unquote

from sqlalchemy import update

from issuer.console.screens import issuing
from registry.config import Settings
from registry.db import Database
from registry.models import StaffSession
from registry.models.base import utcnow
from tests.factories import SKILL_INSTITUTION
from tests.factories.world import resident_id
from tests.integration.batches.helpers import csv_file, good_rows, reviewed
from tests.integration.console.conftest import Staff
from tests.integration.console.helpers import issued_batch, issued_number, notice_ends_now, refusal
from tests.support_console import PASSWORD, csrf_in

UPLOAD = {"institution": SKILL_INSTITUTION, "kind": "skill_level", "assessed_on": "2025-06-01"}
_ERROR = re.compile(r'data-testid="error-message">(.*?)</p>', re.DOTALL)


def error_message(response: object) -> str:
    """The message of the console's error page (unescaped)."""
    text = getattr(response, "text", "")
    found = _ERROR.search(text)
    assert found is not None, text[:2000]
    return html.unescape(found.group(1)).strip()


async def test_a_wrong_method_is_a_page_in_both_languages(staff: Staff, world: Database) -> None:
    await staff.sign_in("institution")
    typed = await staff.client.get("/console/logout")  # sign-out is a form's POST; typed into the address bar
    assert typed.status_code == 405
    assert typed.headers["content-type"].startswith("text/html")
    assert error_message(typed) == "不支持该请求方法 / Method Not Allowed"
    mistyped = await staff.client.get("/console/batchez")  # no such screen: the console's page, not the public one
    assert mistyped.status_code == 404
    assert error_message(mistyped) == "未找到 / Not Found"
    assert 'href="/console/"' in mistyped.text


async def test_a_batch_number_that_is_no_number_is_named_on_a_console_page(staff: Staff, world: Database) -> None:
    """As the API answers /v1/batches/abc: a 400 naming the parameter (it was the router's 404 "Not Found")."""
    await staff.sign_in("institution")
    typed = await staff.client.get("/console/batches/abc")
    assert typed.status_code == 400
    assert typed.headers["content-type"].startswith("text/html")
    assert error_message(typed) == (
        "请求参数无效：路径参数 batch_id 须为整数 / invalid request: path parameter 'batch_id' must be an integer"
    )


async def test_a_form_past_the_body_limit_is_a_page_and_changes_nothing(staff: Staff, batch: int) -> None:
    await staff.sign_in("institution")
    pasted = await staff.post(f"/console/batches/{batch}/exclude", {"rows": "2", "reason": "x" * 10_000_001})
    assert pasted.status_code == 413
    assert pasted.headers["content-type"].startswith("text/html")
    message = error_message(pasted)
    assert message.startswith("请求内容过大（上限 10,000,000 字节） / ")
    assert "the limit is 10,000,000 bytes" in message
    page = (await staff.client.get(f"/console/batches/{batch}")).text
    assert "剔除 0" in page


async def test_notice_days_the_api_refuses_are_refused_on_the_console_and_nothing_starts(
    staff: Staff, world: Database, console_settings: Settings, batch: int
) -> None:
    await reviewed(world, console_settings, batch)
    await staff.sign_in("institution")
    typo = await staff.post(f"/console/batches/{batch}/notice", {"days": "999"})  # meant 9: a notice of years
    assert typo.status_code == 400
    assert refusal(typo) == "公示天数须为 0 至 365 的整数 / the notice days must be a whole number from 0 to 365"
    for text in ("9天", "-1", "1e3"):
        assert (await staff.post(f"/console/batches/{batch}/notice", {"days": text})).status_code == 400, text
    page = (await staff.client.get(f"/console/batches/{batch}")).text
    assert '<td id="state">省级已批准</td>' in page
    started = await staff.post(f"/console/batches/{batch}/notice", {"days": "３６５"})  # typed with a Chinese IME
    assert started.status_code == 303


async def test_a_second_click_on_issue_still_shows_what_the_batch_holds(
    staff: Staff, world: Database, console_settings: Settings, batch: int
) -> None:
    await reviewed(world, console_settings, batch, notice=True)
    await notice_ends_now(world, batch)
    issuing._RUNS.pop(batch, None)
    await staff.sign_in("province_admin")
    for _ in range(2):  # a double click: the second run finds nothing left to issue
        clicked = await staff.post(f"/console/batches/{batch}/issue", {})
        assert clicked.status_code == 303
        page = await staff.client.get(f"/console/batches/{batch}/issuing")
        for _ in range(100):  # the run goes on after the checks: follow the page as the browser does
            if "refresh" not in page.headers:
                break
            await asyncio.sleep(0.1)
            page = await staff.client.get(f"/console/batches/{batch}/issuing")
    assert 'id="issued"' in page.text
    assert '<span id="issued-count">3</span>' in page.text
    issuing._RUNS.pop(batch, None)


async def test_a_progress_page_of_a_notice_not_over_does_not_say_issuing(
    staff: Staff, world: Database, console_settings: Settings, batch: int
) -> None:
    await reviewed(world, console_settings, batch, notice=True)
    issuing._RUNS.pop(batch, None)
    await staff.sign_in("province_admin")
    refused = await staff.post(f"/console/batches/{batch}/issue", {})
    assert refused.status_code == 409  # the notice has seven days to run
    page = await staff.client.get(f"/console/batches/{batch}/issuing")  # the bookmark, the back button
    assert "refresh" not in page.headers  # nobody can be issuing it yet: no page that refreshes for ever
    assert 'id="not-issuing"' in page.text
    assert "公示中" in page.text


async def test_a_refusal_leads_back_to_the_batch_it_came_from(staff: Staff, batch: int) -> None:
    await staff.sign_in("institution")
    typo = await staff.post(f"/console/batches/{batch}/exclude", {"rows": "2,,x", "reason": "未参加"})
    assert typo.status_code == 400
    assert f'<a href="/console/batches/{batch}" id="back">返回该批次</a>' in typo.text
    unexplained = await staff.post(f"/console/batches/{batch}/exclude", {"rows": "2", "reason": " "})
    # a certificate's change and the API refuse it the same way (test_a_refused_certificate_change_…)
    assert (unexplained.status_code, refusal(unexplained)) == (400, "必须填写原因 / a reason is required")
    await staff.sign_in("city")
    wrong_queue = await staff.client.get("/console/queue/town")
    assert '<a href="/console/batches" id="back">返回批次列表</a>' in wrong_queue.text


async def test_a_refused_certificate_change_leads_back_to_the_certificate(
    staff: Staff, world: Database, console_settings: Settings
) -> None:
    number = await issued_number(world, Path(console_settings.keys.key_dir), resident_id(31))
    await staff.sign_in("province_admin")
    unexplained = await staff.post(f"/console/certificates/{number}/revoke", {"reason": ""})
    assert unexplained.status_code == 400
    assert refusal(unexplained) == "必须填写原因 / a reason is required"  # the API's refusal, word for word
    assert f'<a href="/console/certificates/{number}" id="back">返回该证书</a>' in unexplained.text
    await staff.sign_in("other_institution")
    elsewhere = await staff.client.get(f"/console/certificates/{number}")  # the page itself refused: the search
    assert elsewhere.status_code == 403
    assert '<a href="/console/certificates" id="back">' in elsewhere.text


async def test_a_certificate_another_admin_already_changed_is_refused_before_are_you_sure(
    staff: Staff, world: Database, console_settings: Settings
) -> None:
    """A stale certificate page (another admin revoked it meanwhile, or the back button and "resubmit"): the
    first POST asked "once revoked, every verifier sees it revoked — confirm?" of a certificate already
    revoked, and only the confirmation was refused."""
    number = await issued_number(world, Path(console_settings.keys.key_dir), resident_id(33))
    await staff.sign_in("province_admin")
    stale = await staff.csrf()  # the page the second admin still has open
    revoked = await staff.post(f"/console/certificates/{number}/revoke", {"reason": "信息有误", "confirm": "yes"})
    assert revoked.status_code == 303
    for change, form in [("revoke", {}), ("reissue", {}), ("replace", {"holder_name": "王晓明"})]:
        data = {"reason": "再次操作", "_csrf": stale, **form}
        again = await staff.client.post(f"/console/certificates/{number}/{change}", data=data)
        assert again.status_code == 409, (change, again.text[:2000])
        assert (
            refusal(again)
            == f"证书 {number} 当前状态为已撤销，不能再变更 / certificate {number} is revoked; it cannot change again"
        )
        assert 'id="confirm-form"' not in again.text
        assert f'<a href="/console/certificates/{number}" id="back">返回该证书</a>' in again.text


async def test_a_replacement_is_checked_and_shown_before_it_is_confirmed(
    staff: Staff, world: Database, console_settings: Settings
) -> None:
    number = await issued_number(world, Path(console_settings.keys.key_dir), resident_id(32))
    await staff.sign_in("province_admin")
    path = f"/console/certificates/{number}/replace"
    nothing = await staff.post(path, {"reason": "更正"})
    assert nothing.status_code == 400
    assert refusal(nothing).startswith("换发内容与原证书相同")
    bad_level = await staff.post(path, {"reason": "更正等级", "level": "九级"})
    assert bad_level.status_code == 400
    assert " / " in refusal(bad_level)
    assert 'id="confirm-form"' not in bad_level.text
    shown = await staff.post(path, {"reason": "更正姓名", "holder_name": "王晓明", "level": "3"})
    assert shown.status_code == 200
    assert 'id="confirm-form"' in shown.text
    assert '<td id="corrected-holder_name">王晓明</td>' in shown.text
    assert '<td id="corrected-level">3</td>' in shown.text
    page = (await staff.client.get(f"/console/certificates/{number}")).text
    assert "王晓明" not in page  # nothing written before the confirmation


async def test_an_upload_form_left_empty_names_each_field_as_the_form_labels_it(staff: Staff, world: Database) -> None:
    await staff.sign_in("institution")
    no_file = {"file": ("", b"", "application/octet-stream")}  # what a browser sends for a file input left empty
    unchosen = await staff.post("/console/batches/new", UPLOAD, files=no_file)
    assert unchosen.status_code == 400
    assert refusal(unchosen).startswith("请选择成绩文件（字段 file）/ ")
    files = {"file": ("r.csv", csv_file(good_rows(1)))}
    for name, label in (("institution", "鉴定机构编码"), ("assessed_on", "考核日期")):
        blank = await staff.post("/console/batches/new", {**UPLOAD, name: ""}, files=files)
        assert blank.status_code == 400
        assert refusal(blank).startswith(f"请填写{label}（字段 {name}）/ "), refusal(blank)
        assert '<a href="/console/batches/new" id="back">' in blank.text
    assert "共 1" not in (await staff.client.get("/console/batches")).text  # nothing was submitted


async def test_a_batch_s_history_says_each_step_in_chinese_beside_its_event_name(
    staff: Staff, world: Database, console_settings: Settings, batch: int
) -> None:
    await reviewed(world, console_settings, batch)
    await staff.sign_in("institution")
    page = (await staff.client.get(f"/console/batches/{batch}")).text
    assert '<td class="event">提交 <span class="muted">batch.submitted</span></td>' in page
    assert '<td class="event">市州初审通过 <span class="muted">batch.city_reviewed</span></td>' in page
    english = (await staff.client.get(f"/console/batches/{batch}?lang=en")).text
    assert '<td class="event">province review passed <span class="muted">batch.province_approved</span></td>' in english


async def test_a_form_sent_after_the_session_ended_asks_to_sign_in_again_and_comes_back(
    staff: Staff, world: Database, batch: int
) -> None:
    await staff.sign_in("institution")
    token = await staff.csrf()  # the batch page is open in the browser …
    async with world.transaction() as session:  # … and the session ends meanwhile (idle, reset, elsewhere)
        await session.execute(update(StaffSession).values(ended_at=utcnow()))
    late = await staff.client.post(
        f"/console/batches/{batch}/exclude",
        data={"_csrf": token, "rows": "2", "reason": "未参加考核"},
        headers={"referer": f"http://testserver.local/console/batches/{batch}?status=ok"},
    )
    assert late.status_code == 401
    assert late.headers["content-type"].startswith("text/html")
    assert error_message(late).startswith("登录已失效，请重新登录")
    back = quote(f"/console/batches/{batch}?status=ok", safe="")
    assert f'<a href="/console/login?next={back}" id="sign-in-again">' in late.text
    form = await staff.client.get(f"/console/login?next={back}")  # the link, the ended session's cookie still sent
    fields = {"_csrf": csrf_in(form.text), "login": "institution", "password": PASSWORD, "next": unquote(back)}
    signed_in = await staff.client.post("/console/login", data=fields)
    assert (signed_in.status_code, signed_in.headers["location"]) == (303, f"/console/batches/{batch}?status=ok")
    assert "剔除 0" in (await staff.client.get(f"/console/batches/{batch}")).text  # nothing was done
    async with world.transaction() as session:
        await session.execute(update(StaffSession).values(ended_at=utcnow()))
    again = await staff.client.post("/console/logout", data={"_csrf": token})  # sign-out clicked twice
    assert again.status_code == 303
    assert again.headers["location"] == "/console/login?notice=signed_out"


async def test_the_language_toggle_of_a_page_answering_a_form_leads_to_a_page_not_to_the_form_s_post(
    staff: Staff, batch: int
) -> None:
    await staff.sign_in("institution")
    page = f"/console/batches/{batch}"
    refused = await staff.post(
        f"{page}/exclude", {"rows": "x", "reason": "未参加"}, headers={"referer": f"http://testserver.local{page}"}
    )
    assert refused.status_code == 400
    toggle = f'<a href="{page}?lang=en" hreflang="en" lang="en">English</a>'
    assert toggle in refused.text  # not …/exclude?lang=en: a 405
    unreferred = await staff.post(f"{page}/exclude", {"rows": "x", "reason": "未参加"})
    assert '<a href="/console/?lang=en" hreflang="en" lang="en">English</a>' in unreferred.text
    english = await staff.client.get(f"{page}?lang=en")
    assert english.status_code == 200
    assert "<h1>Batch" in english.text


async def test_rows_in_the_wrong_status_are_named_by_the_status_staff_see_and_a_second_exclude_logs_nothing(
    staff: Staff, world: Database, console_settings: Settings, batch: int
) -> None:
    await staff.sign_in("institution")
    for _ in range(2):  # a double click
        excluded = await staff.post(f"/console/batches/{batch}/exclude", {"rows": "2", "reason": "未参加考核"})
        assert excluded.status_code == 303
    page = (await staff.client.get(f"/console/batches/{batch}")).text
    assert page.count("batch.rows_excluded") == 1  # the second changed nothing, so it is not in the log
    await reviewed(world, console_settings, batch, notice=True)
    await staff.sign_in("city")
    held = await staff.post(f"/console/batches/{batch}/objections", {"rows": "2", "reason": "有人举报"})
    assert held.status_code == 422
    assert refusal(held) == "这些行的状态不允许此操作：2（须为 合格、暂缓）/ rows 2 are not ok, held"


async def test_the_same_file_uploaded_twice_is_imported_once(staff: Staff, world: Database) -> None:
    await staff.sign_in("institution")
    files = {"file": ("r.csv", csv_file(good_rows(2)))}
    first = await staff.post("/console/batches/new", UPLOAD, files=files)
    second = await staff.post("/console/batches/new", UPLOAD, files=files)  # a double click on 上传并检查
    batch = first.headers["location"].split("?")[0]
    assert (first.status_code, second.status_code) == (303, 303)
    assert second.headers["location"] == f"{batch}?again=1"
    page = await staff.client.get(second.headers["location"])
    assert 'id="same-file"' in page.text
    assert "此文件已上传" in page.text
    listed = (await staff.client.get("/console/batches")).text
    assert "全部 (1)" in listed
    other_day = await staff.post("/console/batches/new", {**UPLOAD, "assessed_on": "2025-06-02"}, files=files)
    assert other_day.headers["location"].split("?")[0] != batch  # another date: another batch (its rows the rule's)


async def test_a_print_run_of_a_batch_with_no_valid_certificate_says_why(
    staff: Staff, world: Database, console_settings: Settings
) -> None:
    batch, numbers = await issued_batch(world, console_settings)
    await staff.sign_in("province_admin")
    for number in numbers:
        revoked = await staff.post(f"/console/certificates/{number}/revoke", {"reason": "违规取得", "confirm": "yes"})
        assert revoked.status_code == 303
    run = await staff.client.get(f"/console/batches/{batch}/certificates.pdf")
    assert run.status_code == 409
    assert refusal(run) == (
        "批次中没有有效的证书可打印（均已撤销或已换发、补发）/ the batch has no valid certificate to print (each is "
        "revoked or superseded)"
    )
