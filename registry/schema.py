"""Schema migrations and the start-up check that the database matches this code.

The app refuses to start on a schema other than the head revision of ``registry/migrations``: serving with a
stale schema would fail later, on a user's request, with an error nobody can act on.
"""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from registry.errors import SchemaOutdatedError


def alembic_config(url: str = "") -> Config:
    """An Alembic configuration built in code (no alembic.ini needed in a deployment)."""
    config = Config()
    config.set_main_option("script_location", str(files("registry") / "migrations"))
    config.set_main_option("sqlalchemy.url", url)
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Migrate the database of ``engine`` to ``revision`` (default: this code's head)."""

    def _upgrade(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)


async def current_revision(engine: AsyncEngine) -> str | None:
    def _current(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(_current)


async def check_schema(engine: AsyncEngine) -> None:
    """Raise :class:`SchemaOutdatedError` unless the database is at this code's head revision."""
    current = await current_revision(engine)
    head = head_revision()
    if current != head:
        found = current or "an empty database"
        raise SchemaOutdatedError(
            f"数据库结构不是最新 / the database schema is at {found}, this code needs {head}: run `certreg db upgrade`"
        )
