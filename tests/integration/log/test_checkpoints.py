"""Publishing checkpoints: signed with the log key, one per tree size, after batches and on a timer."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.config.app import AppConfig
from litestar.plugins import InitPlugin
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from issuer.checkpoints import periodic_checkpoints, publish_after_batch, publish_checkpoint
from issuer.keystore import KeyStore
from issuer.plugin import IssuerPlugin, checkpoint_lifespan
from registry.config import SettingsError
from registry.db import Database
from registry.errors import NotFoundError
from registry.log.checkpoint import open_checkpoint
from registry.log.store import active_log_verifier
from registry.log.tree import root_at
from registry.models import Checkpoint
from tests.factories import key_store, seed_world
from tests.integration.log.conftest import World
from tests.support import make_settings
from verify.http.plugin import VerifyPlugin

SETTINGS = make_settings(log_origin="hrss.hunan.example/certreg")


async def _count(world: World) -> int:
    async with world.database.reader() as session:
        return int(await session.scalar(select(func.count()).select_from(Checkpoint)) or 0)


async def test_checkpoint_is_signed_by_the_log_key_over_the_current_root(world: World) -> None:
    await world.issue(3)
    published = await publish_checkpoint(world.database, world.store, SETTINGS)
    async with world.database.reader() as session:
        verifier = await active_log_verifier(session, SETTINGS.transparency.log_origin)
        root = await root_at(session, published.size)
    checkpoint = open_checkpoint(published.note, verifier)
    assert (checkpoint.origin, checkpoint.size, checkpoint.root_hash) == (
        SETTINGS.transparency.log_origin,
        published.size,
        root,
    )
    assert published.size == 3 + 3  # three key events, three certificates


async def test_no_new_checkpoint_while_the_size_is_unchanged(world: World) -> None:
    first = await publish_checkpoint(world.database, world.store, SETTINGS)
    again = await publish_checkpoint(world.database, world.store, SETTINGS)
    assert again == first
    assert await _count(world) == 1
    await world.append(2)
    grown = await publish_checkpoint(world.database, world.store, SETTINGS)
    assert grown.size == first.size + 2
    assert await _count(world) == 2


async def test_without_a_log_key_nothing_is_signed(database: Database, tmp_path: Path) -> None:
    await seed_world(database)
    with pytest.raises(NotFoundError, match="--purpose log"):
        await publish_checkpoint(database, key_store(tmp_path), SETTINGS)
    async with database.reader() as session:
        assert await session.scalar(select(func.count()).select_from(Checkpoint)) == 0


async def test_periodic_publisher_survives_failures_and_keeps_publishing(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    attempts = 0

    def store() -> KeyStore:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise SettingsError("no key passphrase yet")
        return world.store

    with caplog.at_level(logging.WARNING, logger="certreg.log"):
        async with periodic_checkpoints(world.database, store, SETTINGS, interval=0.02):
            await _wait_for(world, 1)
            await world.append(1)
            await _wait_for(world, 2)
    assert "checkpoint not published: no key passphrase yet" in caplog.text


async def _wait_for(world: World, count: int) -> None:
    for _ in range(750):  # generous: the machine may be busy with the rest of the suite
        if await _count(world) >= count:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"no {count} checkpoints after 15 s")


class _WithCheckpoints(InitPlugin):
    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.lifespan.append(checkpoint_lifespan)
        return app_config


async def test_the_all_in_one_app_publishes_on_start(world: World) -> None:
    settings = make_settings(database_url=world.database.url, key_dir=str(world.key_dir), log_origin="x.example/log")
    app = Litestar(plugins=[VerifyPlugin(settings), IssuerPlugin(settings), _WithCheckpoints()])
    async with AsyncTestClient(app) as client:
        await _wait_for(world, 1)
        response = await client.get("/v1/log/checkpoint")
    assert response.status_code == 200
    assert response.text.startswith("x.example/log\n3\n")


async def test_a_checkpoint_that_cannot_reach_the_database_logs_the_error_type_not_its_text(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """A driver's text can quote a row's values, so only the type is logged (a real refused connection: the
    old code logged asyncpg's "Connect call failed ('127.0.0.1', 9)" in full)."""
    async with Database("postgresql+asyncpg://postgres@127.0.0.1:9/nothing") as unreachable:
        with caplog.at_level(logging.WARNING, logger="certreg.log"):
            assert await publish_after_batch(unreachable, world.store, SETTINGS) is None
    line = next(r.getMessage() for r in caplog.records if "not published" in r.getMessage())
    assert line.startswith("checkpoint after the batch not published: ")
    assert "127.0.0.1" not in line
    assert "Connect call" not in line
