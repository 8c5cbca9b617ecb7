"""Fixtures of the legacy-import tests: the factories' world with keys, a province admin and reviewer token,
and an HTTP client of the issuer app."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from httpx import Response
from litestar.testing import AsyncTestClient

from issuer.auth import Role
from registry.config import Settings
from registry.db import Database
from tests.factories import PROVINCE, add_keys, key_store, seed_world
from tests.factories.tokens import make_tokens
from tests.support import make_settings
from tests.support_apps import fresh_key_dir, issuer_client


class World:
    def __init__(self, database: Database, settings: Settings, client: AsyncTestClient, tokens: dict[Role, str]):  # type: ignore[type-arg]
        self.database, self.settings, self.client, self.tokens = database, settings, client, tokens

    async def post(
        self, data: bytes, *, name: str = "legacy.csv", source: str = "hunan-osta", role: Role = Role.PROVINCE_ADMIN
    ) -> Response:
        return await self.client.post(
            "/v1/legacy-imports",
            files={"file": (name, data)},
            data={"source": source},
            headers={"Authorization": f"Bearer {self.tokens[role]}"},
        )


@pytest.fixture
async def world(database: Database) -> AsyncIterator[World]:
    await seed_world(database)
    key_dir = fresh_key_dir()  # one path for every test: the same settings, the same app (tests/support_apps.py)
    store = key_store(key_dir)
    await add_keys(database, store)
    tokens = await make_tokens(
        database, {role: (PROVINCE, role) for role in (Role.PROVINCE_ADMIN, Role.PROVINCE_REVIEWER)}
    )
    settings = make_settings(database_url=database.url, key_dir=str(key_dir))
    async with issuer_client(settings) as client:
        yield World(database, settings, client, tokens)
