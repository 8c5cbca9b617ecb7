"""Fixtures of the console screens' tests: the batch tests' world (two prefectures), statement keys, and one
client signed in as one staff member at a time. The notice lasts the profile's seven days; a test that
needs it over moves its end into the past (:func:`notice_ends_now`, as tests/integration/test_end_to_end.py
does)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from registry.config import Settings
from registry.db import Database
from tests.factories import add_keys, key_store
from tests.integration.batches.conftest import HOLDERS, tokens, world
from tests.integration.batches.helpers import Client
from tests.integration.console.helpers import submitted
from tests.support import make_settings
from tests.support_apps import fresh_key_dir, issuer_client
from tests.support_console import create_staff, csrf_of_page, sign_in

__all__ = ["HOLDERS", "tokens", "world"]


@pytest.fixture
async def console_settings(db_url: str, world: Database) -> Settings:
    key_dir = fresh_key_dir()  # one path for every test: the same settings, the same app (tests/support_apps.py)
    await add_keys(world, key_store(key_dir))
    return make_settings(
        database_url=db_url, key_dir=str(key_dir), console_login_rate_per_minute=1000,
        console_account_rate_per_minute=1000,
    )  # fmt: skip


@pytest.fixture
async def console(console_settings: Settings, world: Database) -> AsyncIterator[Client]:
    for login, (org, role) in HOLDERS.items():  # a staff account per holder of the batch tests' tokens
        await create_staff(world, login=login, role=role, org_code=org)
    async with issuer_client(console_settings) as client:
        client.follow_redirects = False  # a step's 303 is part of what is tested
        yield client


class Staff:
    """Who the console client is signed in as (one at a time, through the sign-in page)."""

    def __init__(self, client: Client, tokens: dict[str, str]) -> None:
        self.client = client
        self.tokens = tokens

    async def sign_in(self, holder: str) -> None:
        await sign_in(self.client, holder)

    async def csrf(self) -> str:
        return await csrf_of_page(self.client, "/console/")

    async def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """A form posted as the signed-in staff member, with its CSRF token."""
        return await self.client.post(path, data={**(data or {}), "_csrf": await self.csrf()}, **kwargs)


@pytest.fixture
def staff(console: Client, tokens: dict[str, str]) -> Staff:
    return Staff(console, tokens)


@pytest.fixture
async def batch(world: Database, console_settings: Settings) -> int:
    """A batch of three good rows the institution's operator submitted (:func:`helpers.submitted`)."""
    return await submitted(world, console_settings)
