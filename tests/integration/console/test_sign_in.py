"""Signing in to the staff console: sessions, the CSRF guard, lockout, TOTP, disabled accounts, events.

Runs on SQLite and PostgreSQL (``database``), with real Redis for the sign-in limits."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from issuer.app import create_app
from issuer.auth.roles import Role
from issuer.console.accounts import require_totp, set_state
from issuer.console.session import load_session, session_hash
from registry.db import Database
from registry.models import Event, StaffAccount, StaffSession, StaffState
from registry.models.base import utcnow
from tests.factories import CITY, PROVINCE, SKILL_INSTITUTION, seed_world
from tests.support import make_settings
from tests.support_apps import issuer_client
from tests.support_console import ACTOR, PASSWORD, create_staff, csrf_in, csrf_of_page, sign_in


@pytest.fixture
async def client(db_url: str, database: Database, redis_url: str, redis_prefix: str) -> AsyncIterator[Any]:
    await seed_world(database)
    settings = make_settings(database_url=db_url, redis_url=redis_url, redis_prefix=redis_prefix)
    async with issuer_client(settings) as test_client:
        yield test_client


async def _events(database: Database, kind: str) -> list[Event]:
    async with database.reader() as session:
        return list((await session.scalars(select(Event).where(Event.kind == kind).order_by(Event.idx))).all())


async def test_a_staff_member_signs_in_sees_the_dashboard_and_signs_out(client: Any, database: Database) -> None:
    await create_staff(database, login="inst.li", role=Role.INSTITUTION, org_code=SKILL_INSTITUTION)
    anonymous = await client.get("/console/", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/console/login?next=%2Fconsole%2F"

    answer = await sign_in(client, "inst.li", PASSWORD)
    assert answer.headers["location"] == "/console/"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/console" in cookie
    assert "Secure" not in cookie  # the public URL is http here
    page = await client.get("/console/")
    assert page.status_code == 200
    assert "inst.li" in page.text
    assert "工作台" in page.text
    assert "退出" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'none'")

    (signed_in,) = await _events(database, "staff.signed_in")
    assert (signed_in.subject, signed_in.actor) == ("staff:inst.li", f"console:inst.li:institution:{SKILL_INSTITUTION}")

    token = await csrf_of_page(client)
    out = await client.post("/console/logout", data={"_csrf": token}, follow_redirects=False)
    assert (out.status_code, out.headers["location"]) == (303, "/console/login?notice=signed_out")
    said = (await client.get(out.headers["location"])).text  # the sign-in page says what happened
    assert '<p class="notice" role="status">您已退出登录 / you have signed out</p>' in said
    assert 'role="status"' not in (await client.get("/console/login?notice=whatever")).text  # only its own words
    assert (await client.get("/console/", follow_redirects=False)).status_code == 303
    assert len(await _events(database, "staff.signed_out")) == 1


async def test_the_english_toggle_is_kept_in_a_cookie(client: Any, database: Database) -> None:
    page = await client.get("/console/login?lang=en")
    assert "Staff sign-in" in page.text
    assert "certreg_lang=en" in page.headers["set-cookie"]
    again = await client.get("/console/login")
    assert "Staff sign-in" in again.text
    assert 'lang="en"' in again.text
    back = await client.get("/console/login?lang=zh")
    assert "工作人员登录" in back.text


async def test_next_goes_back_where_the_user_was_but_never_off_site(client: Any, database: Database) -> None:
    await create_staff(database, login="city1", role=Role.CITY_REVIEWER, org_code=CITY)
    answer = await sign_in(client, "city1", next_path="/console/?tab=2")
    assert answer.headers["location"] == "/console/?tab=2"
    for bad in ("//evil.example/console/", "https://evil.example/", "/console\\..\\x"):
        answer = await sign_in(client, "city1", next_path=bad)
        assert answer.headers["location"] == "/console/"


async def test_posts_without_the_csrf_token_are_refused(client: Any, database: Database) -> None:
    await create_staff(database, login="prov1", role=Role.PROVINCE_ADMIN, org_code=PROVINCE)
    page = await client.get("/console/login")
    no_token = await client.post("/console/login", data={"login": "prov1", "password": PASSWORD})
    assert no_token.status_code == 403
    assert "CSRF" in no_token.text
    assert "令牌" in no_token.text
    assert await _events(database, "staff.signed_in") == []

    await sign_in(client, "prov1")
    refused = await client.post("/console/logout", data={}, follow_redirects=False)
    wrong = await client.post("/console/logout", data={"_csrf": "x" * 43}, follow_redirects=False)
    stale = await client.post("/console/logout", data={"_csrf": page.text.split('name="_csrf" value="')[1][:43]})
    assert refused.status_code == wrong.status_code == stale.status_code == 403
    assert (await client.get("/console/")).status_code == 200  # still signed in: nothing happened


async def test_an_upload_before_sign_in_is_refused_before_its_body_is_read(client: Any) -> None:
    """The CSRF guard runs before the form is parsed: a stranger's multipart body is never read, whatever token
    it carries (only the small sign-in forms come before a session)."""
    page = await client.get("/console/login")
    token = page.text.split('name="_csrf" value="')[1].split('"')[0]
    upload = await client.post(
        "/console/batches/new",
        data={"_csrf": token},
        files={"file": ("rows.csv", b"x" * 1_000_000, "text/csv")},
        follow_redirects=False,
    )
    assert upload.status_code == 403
    assert "CSRF" in upload.text


async def test_five_wrong_passwords_lock_the_account(client: Any, database: Database) -> None:
    await create_staff(database, login="inst2", role=Role.INSTITUTION, org_code=SKILL_INSTITUTION)
    for attempt in range(1, 5):
        wrong = await sign_in(client, "inst2", "not-the-password", check=False)
        assert wrong.status_code == 401, attempt
        assert "登录名或密码不正确" in wrong.text
    fifth = await sign_in(client, "inst2", "not-the-password", check=False)
    assert fifth.status_code == 401  # locked now, but a wrong password never says so (no account enumeration)
    assert "登录名或密码不正确" in fifth.text
    right = await sign_in(client, "inst2", PASSWORD, check=False)
    assert right.status_code == 423  # even the right password waits for the lockout to end
    assert "账户已锁定" in right.text
    assert "locked" in right.text

    failures = await _events(database, "staff.sign_in_failed")
    assert [e.subject for e in failures] == ["staff:inst2"] * 6
    assert all(e.actor == "console:anonymous" for e in failures)
    metrics = (await client.get("/metrics")).text
    assert 'certreg_console_sign_ins_total{outcome="bad_credentials"} 5.0' in metrics
    assert 'certreg_console_sign_ins_total{outcome="locked"} 1.0' in metrics
    (locked,) = await _events(database, "staff.locked")
    assert locked.subject == "staff:inst2"
    leaves = b"".join(e.data for e in [*failures, locked])
    assert b"not-the-password" not in leaves
    assert PASSWORD.encode() not in leaves


async def test_the_lockout_ends_after_its_time(client: Any, database: Database) -> None:
    await create_staff(database, login="inst3", role=Role.INSTITUTION, org_code=SKILL_INSTITUTION)
    async with database.transaction() as session:
        account = await session.scalar(select(StaffAccount).where(StaffAccount.login == "inst3"))
        assert account is not None
        account.locked_until = utcnow() - timedelta(seconds=1)
    await sign_in(client, "inst3")


async def test_an_unknown_login_is_refused_like_a_wrong_password_and_not_recorded(
    client: Any, database: Database
) -> None:
    answer = await sign_in(client, "zhangsan430102", "whatever-it-is", check=False)
    assert answer.status_code == 401
    assert "登录名或密码不正确" in answer.text
    (failed,) = await _events(database, "staff.sign_in_failed")
    assert failed.subject == "staff:unknown"
    assert b"zhangsan" not in failed.data


async def test_a_disabled_account_cannot_sign_in_and_its_sessions_end(client: Any, database: Database) -> None:
    await create_staff(database, login="inst4", role=Role.INSTITUTION, org_code=SKILL_INSTITUTION)
    await sign_in(client, "inst4")
    async with database.transaction() as session:
        await set_state(session, "inst4", StaffState.DISABLED, actor=ACTOR)
    assert (await client.get("/console/", follow_redirects=False)).status_code == 303
    refused = await sign_in(client, "inst4", check=False)
    assert refused.status_code == 401
    assert "账户已停用" in refused.text


async def test_a_totp_required_role_cannot_get_in_without_the_code(client: Any, database: Database) -> None:
    staff = await create_staff(
        database, login="prov.rev", role=Role.PROVINCE_REVIEWER, org_code=PROVINCE, with_totp=True
    )
    async with database.transaction() as session:
        await require_totp(session, Role.PROVINCE_REVIEWER, True, actor=ACTOR)
    without = await sign_in(client, "prov.rev", check=False)
    assert without.status_code == 200
    assert "请输入动态口令" in without.text
    assert (await client.get("/console/", follow_redirects=False)).status_code == 303
    wrong = await sign_in(client, "prov.rev", totp="000000" if staff.code() != "000000" else "111111", check=False)
    assert wrong.status_code == 401
    assert "动态口令或恢复码不正确" in wrong.text
    code = staff.code()
    await sign_in(client, "prov.rev", totp=code)
    assert (await client.get("/console/")).status_code == 200
    replay = await sign_in(client, "prov.rev", totp=code, check=False)
    assert replay.status_code == 401  # a code is good once
    await sign_in(client, "prov.rev", totp=staff.recovery[0])
    used = await sign_in(client, "prov.rev", totp=staff.recovery[0], check=False)
    assert used.status_code == 401  # a recovery code too


async def test_a_required_role_without_totp_must_enrol_first(client: Any, database: Database) -> None:
    from issuer.console import totp

    await create_staff(database, login="city.new", role=Role.CITY_REVIEWER, org_code=CITY)
    async with database.transaction() as session:
        await require_totp(session, Role.CITY_REVIEWER, True, actor=ACTOR)
    answer = await sign_in(client, "city.new")
    assert answer.headers["location"] == "/console/totp"
    assert (await client.get("/console/", follow_redirects=False)).headers["location"] == "/console/totp"
    page = await client.get("/console/totp")
    assert page.status_code == 200
    assert "<svg" in page.text
    assert "必须使用动态口令" in page.text
    secret_text = page.text.split('data-testid="totp-secret">')[1].split("<")[0]
    import base64
    import time

    secret = base64.b32decode(secret_text + "=" * (-len(secret_text) % 8))
    pending = page.text.split('name="pending" value="')[1].split('"')[0]
    token = page.text.split('name="_csrf" value="')[1].split('"')[0]
    bad = await client.post("/console/totp", data={"_csrf": token, "pending": pending, "code": "12345"})
    assert bad.status_code == 400
    done = await client.post(
        "/console/totp", data={"_csrf": token, "pending": pending, "code": totp.totp(secret, time.time())}
    )
    assert done.status_code == 200
    assert "恢复码只显示这一次" in done.text
    assert done.text.count("<li><code>") == 10
    assert (await client.get("/console/")).status_code == 200
    async with database.reader() as session:
        account = await session.scalar(select(StaffAccount).where(StaffAccount.login == "city.new"))
        assert account is not None
        assert account.totp_sealed is not None
        assert secret not in account.totp_sealed  # sealed, not in clear


async def test_sessions_end_when_idle_and_when_too_old(client: Any, database: Database) -> None:
    await create_staff(database, login="inst5", role=Role.INSTITUTION, org_code=SKILL_INSTITUTION)
    answer = await sign_in(client, "inst5")
    token = answer.cookies["certreg_console"]
    idle, lifetime = timedelta(minutes=30), timedelta(hours=12)  # the defaults
    assert await load_session(database, token, idle=idle, lifetime=lifetime) is not None
    later = utcnow() + idle + timedelta(seconds=5)
    assert await load_session(database, token, idle=idle, lifetime=lifetime, now=later) is None
    async with database.reader() as session:
        row = await session.get(StaffSession, session_hash(token))
        assert row is not None
        assert row.ended_at is not None

    answer = await sign_in(client, "inst5")
    token = answer.cookies["certreg_console"]
    async with database.transaction() as session:
        row = await session.get(StaffSession, session_hash(token))
        assert row is not None
        row.created_at = utcnow() - lifetime - timedelta(seconds=1)  # active all along, but too old
    ended = await client.get("/console/batches", follow_redirects=False)
    assert (ended.status_code, ended.headers["location"]) == (
        303,
        "/console/login?next=%2Fconsole%2Fbatches&notice=expired",
    )
    said = (await client.get(ended.headers["location"])).text  # not a bare sign-in form: why it is there
    assert '<p class="notice" role="status">登录已失效，请重新登录 / your session has ended: sign in again</p>' in said
    await sign_in(client, "inst5")  # a new sign-in clears the account's sessions past their lifetime
    async with database.reader() as session:
        assert await session.get(StaffSession, session_hash(token)) is None


async def test_sign_in_attempts_are_rate_limited_per_login(
    db_url: str, database: Database, redis_url: str, redis_prefix: str
) -> None:
    settings = make_settings(
        database_url=db_url, redis_url=redis_url, redis_prefix=redis_prefix, console_account_rate_per_minute=3
    )
    async with AsyncTestClient(create_app(settings)) as limited:
        # 7 attempts: at least 4 fall in one minute window even if a minute ends meanwhile
        answers = [await sign_in(limited, "nobody", "wrong-password", check=False) for _ in range(7)]
    statuses = [answer.status_code for answer in answers]
    assert set(statuses) == {401, 429}
    assert statuses[:3] == [401] * 3
    refused = answers[statuses.index(429)]
    assert "登录尝试过于频繁" in refused.text
    assert 1 <= int(refused.headers["retry-after"]) <= 60


async def test_a_reset_lifts_the_lockout_and_ends_the_sessions(client: Any, database: Database) -> None:
    from issuer.console.accounts import reset_account
    from issuer.console.passwords import TEST_ONLY

    await create_staff(database, login="inst6", role=Role.INSTITUTION, org_code=SKILL_INSTITUTION)
    other = await sign_in(client, "inst6")
    for _ in range(5):
        await sign_in(client, "inst6", "not-the-password", check=False)
    assert (await sign_in(client, "inst6", check=False)).status_code == 423
    async with database.transaction() as session:
        await reset_account(session, "inst6", password="a-new-password-1", actor=ACTOR, cost=TEST_ONLY)
    async with database.reader() as session:
        row = await session.get(StaffSession, session_hash(other.cookies["certreg_console"]))
        assert row is not None
        assert row.ended_at is not None
    assert (await sign_in(client, "inst6", check=False)).status_code == 401  # the old password is gone
    await sign_in(client, "inst6", "a-new-password-1")


async def test_a_script_may_send_the_csrf_token_in_a_header(client: Any, database: Database) -> None:
    await create_staff(database, login="inst7", role=Role.INSTITUTION, org_code=SKILL_INSTITUTION)
    await sign_in(client, "inst7")
    token = await csrf_of_page(client)
    out = await client.post("/console/logout", headers={"X-CSRF-Token": token}, follow_redirects=False)
    assert out.status_code == 303
    assert (await client.get("/console/", follow_redirects=False)).status_code == 303


async def test_staff_change_their_own_password(client: Any, database: Database) -> None:
    await create_staff(database, login="inst8", role=Role.INSTITUTION, org_code=SKILL_INSTITUTION)
    await sign_in(client, "inst8")
    page = await client.get("/console/password")
    assert "修改密码" in page.text
    token = csrf_in(page.text)

    async def change(current: str, new: str, repeat: str | None = None) -> Any:
        form = {"_csrf": token, "current_password": current, "new_password": new, "repeat_password": repeat or new}
        return await client.post("/console/password", data=form, follow_redirects=False)

    differ = await change(PASSWORD, "a-new-password-2", "a-new-password-3")
    assert differ.status_code == 400
    assert "两次输入的新密码不一致" in differ.text
    short = await change(PASSWORD, "short")
    assert short.status_code == 400
    assert "10–128" in short.text
    wrong = await change("not-the-password", "a-new-password-2")
    assert wrong.status_code == 400
    assert "当前密码不正确" in wrong.text
    done = await change(PASSWORD, "a-new-password-2")
    assert done.status_code == 200
    assert "密码已修改" in done.text
    assert (await sign_in(client, "inst8", check=False)).status_code == 401
    await sign_in(client, "inst8", "a-new-password-2")
    kinds = [(e.kind, e.reason) for e in await _events(database, "staff.changed")]
    assert len(kinds) == 1
    failed = await _events(database, "staff.sign_in_failed")  # the wrong current password, then the old one
    assert [e.subject for e in failed] == ["staff:inst8", "staff:inst8"]


async def test_guessing_the_current_password_locks_and_signs_out(client: Any, database: Database) -> None:
    await create_staff(database, login="inst9", role=Role.INSTITUTION, org_code=SKILL_INSTITUTION)
    await sign_in(client, "inst9")
    token = await csrf_of_page(client, "/console/password")
    for _ in range(4):
        form = {
            "_csrf": token,
            "current_password": "guess-guess",
            "new_password": "x" * 12,
            "repeat_password": "x" * 12,
        }
        assert (await client.post("/console/password", data=form)).status_code == 400
    fifth = await client.post("/console/password", data=form, follow_redirects=False)
    assert (fifth.status_code, fifth.headers["location"]) == (303, "/console/login?notice=locked")
    said = (await client.get(fifth.headers["location"])).text  # not thrown out without a word
    assert "当前密码连续输错，账户已锁定并退出登录" in said
    assert (await client.get("/console/", follow_redirects=False)).status_code == 303
    assert (await sign_in(client, "inst9", check=False)).status_code == 423


async def test_wrong_passwords_at_the_same_time_all_count(client: Any, database: Database) -> None:
    import asyncio

    await create_staff(database, login="inst10", role=Role.INSTITUTION, org_code=SKILL_INSTITUTION)
    page = await client.get("/console/login")
    form = {"_csrf": csrf_in(page.text), "login": "inst10", "password": "not-the-password"}
    answers = await asyncio.gather(*(client.post("/console/login", data=form) for _ in range(5)))
    assert sorted(a.status_code for a in answers) == [401] * 5  # the fifth locked it, and says so to no guesser
    assert (await sign_in(client, "inst10", check=False)).status_code == 423


async def test_cookies_are_secure_behind_an_https_public_url(db_url: str, database: Database) -> None:
    await seed_world(database)
    await create_staff(database, login="inst11", role=Role.INSTITUTION, org_code=SKILL_INSTITUTION)
    settings = make_settings(database_url=db_url, public_url="https://certs.example.gov.cn")
    async with AsyncTestClient(create_app(settings), base_url="https://testserver.local") as secure:
        page = await secure.get("/console/login")
        assert "Secure" in page.headers["set-cookie"]  # the sign-in form's CSRF cookie
        answer = await sign_in(secure, "inst11")
        assert "Secure" in answer.headers["set-cookie"]


async def test_replacing_the_second_factor_needs_the_password(client: Any, database: Database) -> None:
    import base64
    import time

    from issuer.console import totp

    staff = await create_staff(database, login="prov.li", role=Role.PROVINCE_ADMIN, org_code=PROVINCE, with_totp=True)
    await sign_in(client, "prov.li", totp=staff.code())
    page = await client.get("/console/totp")
    assert "当前密码" in page.text
    text = page.text.split('data-testid="totp-secret">')[1].split("<")[0]
    secret = base64.b32decode(text + "=" * (-len(text) % 8))
    form = {
        "_csrf": csrf_in(page.text),
        "pending": page.text.split('name="pending" value="')[1].split('"')[0],
        "code": totp.totp(secret, time.time()),
        "current_password": "not-the-password",
    }
    wrong = await client.post("/console/totp", data=form)
    assert wrong.status_code == 400
    assert "当前密码不正确" in wrong.text
    async with database.reader() as session:
        account = await session.scalar(select(StaffAccount).where(StaffAccount.login == "prov.li"))
        assert account is not None
        assert account.failed_count == 1  # counted like a failed sign-in
    done = await client.post("/console/totp", data={**form, "current_password": PASSWORD})
    assert done.status_code == 200
    assert "恢复码只显示这一次" in done.text


async def test_console_answers_name_their_charset_once(client: Any) -> None:
    """``text/html; charset=utf-8; charset=utf-8`` was sent: litestar adds the charset to a text/* type."""
    page = await client.get("/console/login")
    css = await client.get("/console/static/console.css")
    screens_css = await client.get("/console/static/screens.css")
    posted = await client.post("/console/login", data={"login": "x", "password": "y"})
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert css.headers["content-type"] == "text/css; charset=utf-8"
    assert screens_css.headers["content-type"] == "text/css; charset=utf-8"
    assert posted.headers["content-type"] == "text/html; charset=utf-8"


def _refusal(answer: Any) -> tuple[int, str]:
    """The status and the message a person reads on the sign-in page."""
    found = re.search(r'data-testid="login-error">(.*?)</p>', answer.text, re.DOTALL)
    return answer.status_code, found.group(1) if found else ""


async def test_wrong_passwords_for_an_account_and_for_no_account_answer_alike(
    client: Any, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No account enumeration: six wrong passwords for a real account and for a name that is none get the
    same status and words each time. The fifth locks the real account — recorded, and said to whoever then
    gives its right password — but answered as any wrong password: the lockout's 423 had told a stranger,
    after five guesses, that the name exists. Each attempt checks one password hash at the same cost."""
    from issuer.console import accounts
    from issuer.console.passwords import verify_password as real_verify

    checked: list[tuple[bool, Any]] = []

    def counting(stored: str | None, password: str, cost: Any) -> bool:
        checked.append((stored is None, cost))
        return real_verify(stored, password, cost)

    monkeypatch.setattr(accounts, "verify_password", counting)
    await create_staff(database, login="inst11", role=Role.INSTITUTION, org_code=SKILL_INSTITUTION)
    for attempt in range(6):
        real = _refusal(await sign_in(client, "inst11", "not-the-password", check=False))
        none = _refusal(await sign_in(client, "inst12", "not-the-password", check=False))
        assert real == none == (401, "登录名或密码不正确 / the login name or password is wrong"), attempt
    assert [dummy for dummy, _ in checked] == [False, True] * 6
    assert len({cost for _, cost in checked}) == 1
    (locked,) = await _events(database, "staff.locked")
    assert locked.subject == "staff:inst11"
    right = _refusal(await sign_in(client, "inst11", check=False))
    assert right[0] == 423  # the one who knows the password learns why it does not open
    assert "账户已锁定" in right[1]
