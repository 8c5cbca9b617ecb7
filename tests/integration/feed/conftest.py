"""Fixtures of the feed tests: the factories' world with keys, a province admin token and an HTTP client of
the issuer app (legacy imports load the certificates a feed exports)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from litestar.testing import AsyncTestClient

from issuer.auth import Role, create_token
from registry.config import Settings
from registry.db import Database
from tests.factories import PROVINCE, add_keys, key_store, seed_world
from tests.integration.legacy.files import csv_bytes
from tests.support import make_settings
from tests.support_apps import fresh_key_dir, issuer_client


class World:
    def __init__(self, database: Database, settings: Settings, client: AsyncTestClient, token: str):  # type: ignore[type-arg]
        self.database, self.settings, self.client, self.token = database, settings, client, token

    async def load(self, rows: list[list[str]]) -> None:
        answer = await self.client.post(
            "/v1/legacy-imports",
            files={"file": ("legacy.csv", csv_bytes(rows))},
            data={"source": "hunan-osta"},
            headers={"Authorization": f"Bearer {self.token}"},
        )
        assert answer.status_code == 201, answer.text


@pytest.fixture
async def world(database: Database) -> AsyncIterator[World]:
    await seed_world(database)
    key_dir = fresh_key_dir()  # one path for every test: the same settings, the same app (tests/support_apps.py)
    await add_keys(database, key_store(key_dir))
    async with database.transaction() as session:
        token = await create_token(session, org_code=PROVINCE, role=Role.PROVINCE_ADMIN)
    settings = make_settings(database_url=database.url, key_dir=str(key_dir))
    async with issuer_client(settings) as client:
        yield World(database, settings, client, token)
