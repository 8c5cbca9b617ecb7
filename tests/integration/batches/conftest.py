"""Fixtures of the batch tests: a seeded registry with two prefectures, settings, tokens, an HTTP client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from registry.config import Settings
from registry.db import Database
from tests.factories import seed_world
from tests.factories.tokens import holders, make_tokens
from tests.integration.batches.helpers import Client, seed_other_prefecture
from tests.support import make_settings, scratch_database
from tests.support_apps import issuer_client

#: Token holders of the authorisation matrix: name → (organisation, role).
HOLDERS = holders("institution", "other_institution", "city", "other_city", "province_reviewer", "province_admin")


@pytest.fixture
async def world(database: Database) -> Database:
    """The factories' world (Changsha) plus a second prefecture (Zhuzhou) with its own institution."""
    await seed_world(database)
    await seed_other_prefecture(database)
    return database


@pytest.fixture
def settings(db_url: str) -> Settings:
    return make_settings(database_url=db_url)


@pytest.fixture
async def tokens(world: Database) -> dict[str, str]:
    """A bearer header value per token holder of :data:`HOLDERS`."""
    return await make_tokens(world, HOLDERS, labelled=True)


@pytest.fixture
async def client(settings: Settings, world: Database) -> AsyncIterator[Client]:
    async with issuer_client(settings) as test_client:
        yield test_client


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def sqlite_world(sqlite_url: str) -> AsyncIterator[Database]:
    """The seeded world on SQLite only, for tests whose subject does not depend on the database engine
    (authorisation decisions, the HTTP body limit): they would only repeat themselves on PostgreSQL."""
    async with scratch_database(sqlite_url) as database:
        await seed_world(database)
        await seed_other_prefecture(database)
        yield database
