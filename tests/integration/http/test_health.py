"""Health endpoints of the all-in-one and the stand-alone verify app, and the start-up schema check."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from issuer.app import create_app as create_issuer_app
from registry.config import Settings
from registry.errors import SchemaOutdatedError
from tests.support import make_settings
from verify.app import create_app as create_verify_app


@pytest.mark.parametrize("factory", [create_issuer_app, create_verify_app], ids=["all-in-one", "verify"])
async def test_ready_reports_database_and_in_process_cache(
    db_url: str, factory: Callable[[Settings], Litestar]
) -> None:
    app = factory(make_settings(database_url=db_url))
    async with AsyncTestClient(app) as client:
        live = await client.get("/health/live")
        ready = await client.get("/health/ready")
    assert live.status_code == 200
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "database": "ok", "cache": "in-process"}


async def test_ready_reports_redis(db_url: str, redis_url: str) -> None:
    app = create_issuer_app(make_settings(database_url=db_url, redis_url=redis_url))
    async with AsyncTestClient(app) as client:
        ready = await client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["cache"] == "redis ok"


async def test_redis_down_is_degraded_but_ready(db_url: str) -> None:
    app = create_issuer_app(make_settings(database_url=db_url, redis_url="redis://127.0.0.1:1/0"))
    async with AsyncTestClient(app) as client:
        ready = await client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["cache"].startswith("redis unavailable")


async def test_app_refuses_to_start_on_an_unmigrated_database(tmp_path: Path) -> None:
    app = create_issuer_app(make_settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"))
    expected = pytest.RaisesExc(SchemaOutdatedError, match="certreg db upgrade")
    with pytest.RaisesGroup(expected, allow_unwrapped=True, flatten_subgroups=True):
        async with AsyncTestClient(app):
            pytest.fail("the app started on an empty database")
