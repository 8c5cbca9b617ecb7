"""The start-up schema check: an empty or outdated database is refused with a message naming the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from registry.errors import SchemaOutdatedError
from registry.schema import check_schema, current_revision, head_revision, upgrade


async def test_empty_database_is_refused_then_upgrade_fixes_it(tmp_path: Path) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}")
    try:
        with pytest.raises(SchemaOutdatedError, match="certreg db upgrade"):
            await check_schema(engine)
        await upgrade(engine)
        await check_schema(engine)
        assert await current_revision(engine) == head_revision()
    finally:
        await engine.dispose()


async def test_migrated_test_database_is_current(db_url: str) -> None:
    engine = create_async_engine(db_url)
    try:
        await check_schema(engine)
    finally:
        await engine.dispose()
