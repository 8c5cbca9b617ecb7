"""What every command shares: settings from the environment, the database, and async execution."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from rich.console import Console

from registry.config import Settings, load_settings
from registry.db import Database
from registry.schema import check_schema

T = TypeVar("T")

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def settings_from_env() -> Settings:
    return load_settings()


def run(coroutine_factory: Callable[[], Awaitable[T]]) -> T:
    """Run an async command body to completion."""

    async def _main() -> T:
        return await coroutine_factory()

    return asyncio.run(_main())


@asynccontextmanager
async def open_database(settings: Settings, *, check: bool = True) -> AsyncIterator[Database]:
    """The registry database; refuses an outdated schema unless ``check`` is False (``db upgrade``)."""
    database = Database(settings.database_url)
    try:
        if check:
            await check_schema(database.write_engine)
        yield database
    finally:
        await database.dispose()
