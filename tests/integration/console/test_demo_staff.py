"""``make run`` (``certreg demo load``) makes one console account per role and says how to sign in; never
outside the demo mode."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from issuer.app import create_app
from issuer.demo import demo_staff_lines, ensure_demo_staff, load_demo_reference
from registry.db import Database
from tests.support import make_settings
from tests.support_console import sign_in


async def test_one_demo_account_per_role_that_signs_in(db_url: str, database: Database) -> None:
    await load_demo_reference(database)
    settings = make_settings(database_url=db_url, demo_mode=True)
    assert await ensure_demo_staff(database, make_settings(database_url=db_url)) == []  # not a demo: none
    staff = await ensure_demo_staff(database, settings)
    assert [s.role.value for s in staff] == ["institution", "city_reviewer", "province_reviewer", "province_admin"]
    assert [s.org_code for s in staff] == ["S000043000101", "430100", "430000", "430000"]
    assert await ensure_demo_staff(database, settings) == staff  # idempotent
    lines = demo_staff_lines(staff, settings.server.public_url)
    assert lines[0].endswith("http://testserver/console/  (演示账户 / demo accounts:)")
    assert "demo.city" in lines[2]
    assert staff[1].password in lines[2]
    async with AsyncTestClient(create_app(settings)) as client:
        for account in staff:
            await sign_in(client, account.login, account.password)
            page = await client.get("/console/")
            assert account.login in page.text
