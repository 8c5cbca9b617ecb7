"""Fixtures of the browser tests: Debian's headless Chromium, and the verify app under uvicorn on an SQLite
registry of four certificates (see test_verify_pages.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Error, ViewportSize, sync_playwright

from registry.db import Database
from registry.schema import upgrade
from tests.conftest import IN_CI
from tests.integration.verify.servers import ROOT, Server
from tests.integration.verify.world import World, altered_token, build_world

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts"
PHONE: ViewportSize = {"width": 390, "height": 844}


class Site:
    def __init__(self, url: str, world: World, forged: str) -> None:
        self.url = url
        self.world = world
        self.forged = forged


async def _registry(path: Path) -> tuple[World, str]:
    url = f"sqlite+aiosqlite:///{path / 'registry.db'}"
    database = Database(url)
    await upgrade(database.write_engine)
    world = await build_world(database, path / "keys")
    forged = await altered_token(world, world.valid, holder_name="赵六")
    await database.dispose()
    return world, forged


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    world, altered = asyncio.run(_registry(tmp_path_factory.mktemp("browser")))
    settings: dict[str, Any] = {"database_url": world.database.url, "public_rate_per_minute": 100_000}
    with Server(**settings) as server:
        yield Site(server.url, world, altered)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        except Error as exc:
            message = f"Chromium cannot start ({CHROMIUM}; `make chromium` installs it): {exc}"
            if IN_CI:
                pytest.fail(f"CI=true and {message}")
            pytest.skip(message)
        yield chromium
        chromium.close()
