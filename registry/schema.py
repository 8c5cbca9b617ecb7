"""Schema migrations and the start-up check that the database matches this code.

The app refuses to start on a schema other than the head revision of ``registry/migrations``: serving with a
stale schema would fail later, on a user's request, with an error nobody can act on. One exception makes
rolling upgrades possible (N/N-1): a schema one migration *ahead* is accepted when that migration recorded,
in ``schema_compat``, that code of this revision still serves it (it only added things). So the migration
job runs first, replicas of the previous release keep serving, and the new release replaces them.

``upgrade`` holds a PostgreSQL advisory lock for the whole migration: two jobs started at once (two
containers of a rollout) run one after the other, and the second finds nothing left to do.
"""

from __future__ import annotations

import functools
import os
from importlib.resources import files

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Connection, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from registry.db import Database, sqlite_file
from registry.errors import DatabaseMissingError, DatabasePathError, SchemaOutdatedError

#: The advisory-lock key of migrations (any fixed bigint; "certreg" in ASCII).
MIGRATION_LOCK = 0x63657274726567


def alembic_config(url: str = "") -> Config:
    """An Alembic configuration built in code (no alembic.ini needed in a deployment)."""
    config = Config()
    config.set_main_option("script_location", str(files("registry") / "migrations"))
    config.set_main_option("sqlalchemy.url", url)
    return config


@functools.cache
def head_revision() -> str:
    """This code's newest migration (read once per process: reading the scripts was most of an app's start)."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


@functools.cache
def known_revisions() -> frozenset[str]:
    """Every revision of this code's migrations (read once per process)."""
    return frozenset(script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions())


def unknown_revision_error(found: str, where: str = "") -> SchemaOutdatedError:
    """A schema at a revision this code has no migration of: a newer release migrated it. ``certreg db
    upgrade`` cannot help (it has no way back), so the message must not send the operator there."""
    return SchemaOutdatedError(
        f"数据库结构{where}处于本版本不认识的修订 {found}（由更新的版本迁移），本版本需要 {head_revision()}；"
        f"请运行迁移它的版本，db upgrade 无法回退 / the database schema{where} is at {found}, a revision this "
        f"code does not know (a newer release migrated it); this code needs {head_revision()}: run the release "
        "that migrated it, `certreg db upgrade` cannot go back"
    )


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Migrate the database of ``engine`` to ``revision`` (default: this code's head). A database at a
    revision this code does not know is refused with :func:`unknown_revision_error` (Alembic's own error was a
    traceback: "Can't locate revision identified by …")."""

    def _upgrade(connection: Connection) -> None:
        current = MigrationContext.configure(connection).get_current_revision()
        if current is not None and current not in known_revisions():
            raise unknown_revision_error(current)
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # held until this transaction ends; PostgreSQL migrations run in it (transactional DDL)
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        await connection.run_sync(_upgrade)


async def current_revision(engine: AsyncEngine) -> str | None:
    def _current(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(_current)


async def oldest_reader(engine: AsyncEngine, revision: str) -> str | None:
    """The oldest code revision that ``revision``'s migration says still serves its schema (None: only its
    own code, or a schema from before ``schema_compat`` existed)."""
    try:
        async with engine.connect() as connection:
            found = await connection.scalar(
                text("SELECT oldest_reader FROM schema_compat WHERE revision = :r"), {"r": revision}
            )
    except DBAPIError:  # no such table: a schema older than the contract
        return None
    return str(found) if found is not None else None


def check_sqlite_path(url: str | URL) -> None:
    """Raise :class:`DatabasePathError` when ``url`` names a SQLite path that exists and is no regular file
    (``sqlite+aiosqlite:///var``, the folder), or one in an existing folder SQLite cannot write to (a read-only
    mount, another user's folder: in WAL mode SQLite keeps its -wal and -shm files beside the database, even to
    read it, unless both are there and writable). Connecting failed with SQLite's "unable to open database
    file", and aiosqlite's thread, left behind by the failed connection, now and then printed a traceback."""
    path = sqlite_file(url)
    if path is None:
        return
    if path.exists() and not path.is_file():
        kind = "目录" if path.is_dir() else "特殊文件"
        what = "a directory" if path.is_dir() else "not a regular file"
        raise DatabasePathError(
            f"SQLite 数据库路径 {path} 是{kind}，不是文件：请检查 CERTREG_DATABASE_URL（如 …/var/certreg.db）/ the "
            f"SQLite database path {path} is {what}, not a file: check CERTREG_DATABASE_URL (e.g. …/var/certreg.db)"
        )
    folder = path.parent
    beside = [path.with_name(f"{path.name}-{suffix}") for suffix in ("wal", "shm")]
    if folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK) and not all(os.access(f, os.W_OK) for f in beside):
        raise DatabasePathError(
            f"SQLite 数据库所在目录 {folder} 不可写：SQLite 即使只读也要在数据库旁写 -wal 与 -shm 文件；"
            f"请让它可写，或改用 PostgreSQL / the folder {folder} of the SQLite database is not writable: SQLite "
            "writes its -wal and -shm files beside the database, even to read it; make the folder writable, or use "
            "PostgreSQL"
        )


async def check_schema(engine: AsyncEngine, *, which: str = "", head: str | None = None) -> None:
    """Raise :class:`SchemaOutdatedError` unless the database is at this code's head revision, or one
    migration ahead of it that declared this code compatible (rolling upgrades, see the module docstring).

    ``which`` names the database in the message when there are two (``the write database``, ``the replica``).
    ``head`` is this code's revision (tests pass an older one to play the previous release).
    """
    check_sqlite_path(engine.url)
    missing = sqlite_file(engine.url)
    if missing is not None and not missing.exists():  # connecting would make it, empty (a typo's registry)
        raise DatabaseMissingError(
            f"SQLite 数据库文件 {missing} 不存在：请检查 CERTREG_DATABASE_URL；要新建数据库请运行 `certreg db upgrade` "
            f"/ the SQLite database file {missing} does not exist: check CERTREG_DATABASE_URL (a typo?); to create "
            "a new database, run `certreg db upgrade`"
        )
    current = await current_revision(engine)
    head = head or head_revision()
    if current != head and (current is None or await oldest_reader(engine, current) != head):
        found = current or "an empty database"
        where = f" ({which})" if which else ""
        if current is not None and current not in known_revisions():
            raise unknown_revision_error(current, where)
        raise SchemaOutdatedError(
            f"数据库结构不是最新{where} / the database schema{where} is at {found}, this code needs {head}: "
            "run `certreg db upgrade`"
        )


async def check_database_schema(database: Database, *, head: str | None = None) -> None:
    """Check the write database and, when the read path uses a replica, the replica too.

    Checking only the read engine (as a verify-only start-up would) lets the service start against a
    stale primary whenever a replica is configured: every write would then fail on a user's request.
    """
    await check_schema(database.primary_engine, which="写库 / the write database", head=head)
    if database.read_engine.url != database.write_engine.url:
        await check_schema(database.read_engine, which="只读副本 / the read replica", head=head)
