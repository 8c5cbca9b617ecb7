"""The ORM models and the Alembic migrations describe the same schema, on SQLite and on PostgreSQL.

A model changed without a migration (or the reverse) passes every test that builds tables from the
migrations yet breaks in production; autogenerate's comparison finds it.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from registry.db import one_off_engine
from registry.models import Base


async def test_models_match_the_migrations(db_url: str) -> None:
    def _diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with one_off_engine(db_url) as engine, engine.connect() as connection:
        differences = await connection.run_sync(_diff)
    assert differences == []
