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

from registry.db import Database
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


async def check_schema(engine: AsyncEngine, *, which: str = "") -> None:
    """Raise :class:`SchemaOutdatedError` unless the database is at this code's head revision.

    ``which`` names the database in the message when there are two (``the write database``, ``the replica``).
    """
    current = await current_revision(engine)
    head = head_revision()
    if current != head:
        found = current or "an empty database"
        where = f" ({which})" if which else ""
        raise SchemaOutdatedError(
            f"数据库结构不是最新{where} / the database schema{where} is at {found}, this code needs {head}: "
            "run `certreg db upgrade`"
        )


async def check_database_schema(database: Database) -> None:
    """Check the write database and, when the read path uses a replica, the replica too.

    Checking only the read engine (as a verify-only start-up would) lets the service start against a
    stale primary whenever a replica is configured: every write would then fail on a user's request.
    """
    await check_schema(database.write_engine, which="写库 / the write database")
    if database.read_engine.url != database.write_engine.url:
        await check_schema(database.read_engine, which="只读副本 / the read replica")
