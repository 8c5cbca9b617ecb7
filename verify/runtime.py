"""What the verify routes need at run time: settings, the read database and the Redis connection.

Built in the app's lifespan (never at import time) and kept in ``app.state.verify``; route handlers get it
through the ``runtime`` dependency.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import redis.asyncio as aioredis
from litestar import Litestar
from litestar.datastructures import State

from registry.config import Settings
from registry.db import Database
from registry.schema import check_schema

STATE_KEY = "verify"


class VerifyRuntime:
    """Connections of one worker process; closed when the app shuts down."""

    def __init__(self, settings: Settings, database: Database, redis: aioredis.Redis | None) -> None:
        self.settings = settings
        self.database = database
        self.redis = redis

    @classmethod
    def build(cls, settings: Settings) -> VerifyRuntime:
        database = Database(settings.database_url, read_url=settings.read_url)
        redis = (
            aioredis.Redis.from_url(
                settings.redis_url, socket_timeout=0.5, socket_connect_timeout=0.5, health_check_interval=10
            )
            if settings.redis_url
            else None
        )
        return cls(settings, database, redis)

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()
        await self.database.dispose()


def lifespan(settings: Settings) -> Any:
    """An app lifespan that builds the runtime, refuses an outdated schema, and closes it at the end."""

    @asynccontextmanager
    async def _lifespan(app: Litestar) -> AsyncIterator[None]:
        runtime = VerifyRuntime.build(settings)
        try:
            await check_schema(runtime.database.read_engine)
            app.state[STATE_KEY] = runtime
            yield
        finally:
            await runtime.close()

    return _lifespan


def provide_runtime(state: State) -> VerifyRuntime:
    runtime = state[STATE_KEY]
    assert isinstance(runtime, VerifyRuntime)
    return runtime
