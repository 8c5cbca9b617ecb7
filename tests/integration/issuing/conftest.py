"""Fixtures of the issuing tests: a seeded registry with keys, tokens for every role, an app client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from issuer.keystore import KeyStore
from registry.db import Database
from tests.factories import (
    HOLDER_IDS,
    add_keys,
    key_store,
    seed_world,
)
from tests.factories.tokens import bearer, holders, make_tokens
from tests.factories.world import add_other_city
from tests.integration.issuing.batches import Row, make_batch
from tests.support import make_settings
from tests.support_apps import fresh_key_dir, issuer_client


class World(msgspec.Struct):
    """A seeded registry: its database, the sealed key store and the key directory."""

    database: Database
    store: KeyStore
    key_dir: Path


@pytest.fixture
async def world(database: Database) -> World:
    """``seed_world`` plus a second city centre, and statement keys for the province and city centres."""
    await seed_world(database)
    async with database.transaction() as session:
        await add_other_city(session)
    key_dir = fresh_key_dir()  # one path for every test: the same settings, the same app (tests/support_apps.py)
    store = key_store(key_dir)
    await add_keys(database, store)
    return World(database, store, key_dir)


#: Token name → (organisation, role) of every token the HTTP tests use.
TOKENS = holders("province_admin", "province_reviewer", "city", "other_city", "institution", "site", "station")


class Api(msgspec.Struct):
    """An app client and a bearer header per token name (``headers["none"]`` sends none)."""

    client: AsyncTestClient  # type: ignore[type-arg]
    headers: dict[str, dict[str, str]]
    world: World


@pytest.fixture
async def api(world: World, db_url: str, request: pytest.FixtureRequest) -> AsyncIterator[Api]:
    """The all-in-one app on the world's database and keys (with Redis when the test asks for it)."""
    tokens = await make_tokens(world.database, TOKENS)
    headers = {"none": {}, **{name: bearer(token) for name, token in tokens.items()}}
    redis: dict[str, str] = {}
    if "redis_url" in request.fixturenames:
        redis = {
            "redis_url": request.getfixturevalue("redis_url"),
            "redis_prefix": request.getfixturevalue("redis_prefix"),
        }
    settings = make_settings(database_url=db_url, key_dir=str(world.key_dir), **redis)
    async with issuer_client(settings) as client:
        yield Api(client, headers, world)


async def issue_over_http(api: Api, names: Sequence[str]) -> list[str]:
    """A batch of ``names`` (the seeded holders' ID numbers, in order) issued by ``POST /v1/batches/{id}/issue``
    as the province admin, as the console does it; the numbers in row order."""
    rows = [Row(name=name, holder_id=HOLDER_IDS[i]) for i, name in enumerate(names)]
    batch_id = await make_batch(api.world.database, rows)
    response = await api.client.post(f"/v1/batches/{batch_id}/issue", headers=api.headers["province_admin"])
    assert response.status_code == 200, response.text
    numbers: list[str] = response.json()["numbers"]
    return numbers
