"""Test helpers for the staff console: staff accounts made through the real service, and signing in the way a
browser does (fetch the form for its CSRF token, post it).

    account = await create_staff(database, login="inst1", role=Role.INSTITUTION, org_code=SKILL_INSTITUTION)
    await sign_in(client, "inst1", PASSWORD)           # asserts the 303 of a successful sign-in
    token = await csrf_of_page(client, "/console/")    # the hidden ``_csrf`` of any console page
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from issuer.auth.roles import Role
from issuer.console import totp as totp_codes
from issuer.console.accounts import create_account, enrol_totp, get_account
from issuer.console.passwords import TEST_ONLY
from registry.db import Database
from registry.models import StaffAccount
from registry.models.base import utcnow
from tests.support import ID_HASH_KEY

PASSWORD = "correct-horse-battery"
ACTOR = "cli:tester:province_admin:430000"
_CSRF = re.compile(r'name="_csrf" value="([^"]+)"')


def totp_key() -> bytes:
    """The key that seals TOTP secrets under the tests' settings (``make_settings``)."""
    return totp_codes.sealing_key(ID_HASH_KEY.encode())


class Staff:
    """An account made for a test; ``secret`` is its TOTP secret when it enrolled one."""

    def __init__(self, account: StaffAccount, password: str, secret: bytes | None, recovery: list[str]) -> None:
        self.id = account.id
        self.login = account.login
        self.role = Role(account.role)
        self.org_code = account.org_code
        self.password = password
        self.secret = secret
        self.recovery = recovery

    def code(self, at: float | None = None) -> str:
        """The TOTP code of now (``at``: another Unix time), for an account with a secret."""
        assert self.secret is not None, f"{self.login} has no TOTP"
        return totp_codes.totp(self.secret, time.time() if at is None else at)


async def create_staff(
    database: Database,
    *,
    login: str,
    role: Role,
    org_code: str,
    password: str = PASSWORD,
    with_totp: bool = False,
) -> Staff:
    """An active staff account (the organisation must exist: ``seed_world``), optionally with TOTP enrolled
    through the real enrolment service (the code used for it is the previous step's, so a test's own
    ``staff.code()`` of now is still fresh)."""
    async with database.transaction() as session:
        account = await create_account(
            session, login=login, org_code=org_code, role=role, password=password, actor=ACTOR, cost=TEST_ONLY
        )
    secret: bytes | None = None
    recovery: list[str] = []
    if with_totp:
        secret = totp_codes.new_secret()
        now = utcnow()
        earlier = now.timestamp() - totp_codes.STEP_SECONDS
        async with database.transaction() as session:
            row = await get_account(session, login)
            codes = await enrol_totp(
                session,
                row,
                secret=secret,
                code=totp_codes.totp(secret, earlier),
                now=now,
                key=totp_key(),
            )
            assert codes is not None
            recovery = codes
    return Staff(account, password, secret, recovery)


def csrf_in(html: str) -> str:
    """The hidden ``_csrf`` value of a page's first form."""
    found = _CSRF.search(html)
    assert found is not None, "the page has no CSRF field"
    return found.group(1)


async def csrf_of_page(client: httpx.AsyncClient, path: str = "/console/") -> str:
    response = await client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return csrf_in(response.text)


async def sign_in(
    client: httpx.AsyncClient,
    login: str,
    password: str = PASSWORD,
    totp: str | None = None,
    *,
    next_path: str = "/console/",
    check: bool = True,
) -> httpx.Response:
    """Sign in as a browser does; with ``check`` assert it worked (303 away from the sign-in page). Returns the
    answer to the POST (not followed)."""
    client.cookies.delete("certreg_console")
    page = await client.get("/console/login")
    form = {"_csrf": csrf_in(page.text), "login": login, "password": password, "totp": totp or "", "next": next_path}
    response = await client.post("/console/login", data=form, follow_redirects=False)
    if check:
        assert response.status_code == 303, (response.status_code, response.text[-600:])
        assert "certreg_console" in response.cookies or "certreg_console" in client.cookies
    return response


StaffFactory = Callable[..., Awaitable[Staff]]


@pytest.fixture
async def staff_factory(database: Database) -> StaffFactory:
    """``await staff_factory(login=…, role=…, org_code=…, with_totp=False)`` on the test's ``database``."""

    async def make(**kwargs: Any) -> Staff:
        return await create_staff(database, **kwargs)

    return make
