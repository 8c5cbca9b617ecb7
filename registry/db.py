"""Database engines and sessions for SQLite (embedded default) and PostgreSQL.

Two engines: a *write* engine for transactions that change the registry and a *read* engine for the verify
path (pointing at a read replica when one is configured). On SQLite the write engine begins every
transaction with ``BEGIN IMMEDIATE`` so concurrent writers queue on the database lock instead of failing
with "database is locked" when a deferred read lock cannot be upgraded; WAL mode lets readers go on meanwhile.
What only reads but must see the primary (the verify workers' change feed, a certificate a lagging replica has
not replayed yet) uses :attr:`Database.primary_engine`, which on SQLite never takes the write lock.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Self

from sqlalchemy import URL, event, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

SQLITE_BUSY_TIMEOUT_MS = 30_000
#: A database error's text would otherwise carry its bound parameters (names, number digests) into the logs
#: (registry/observability/logs.py says what a log line must never hold).
HIDE_PARAMETERS = True


def sqlite_file(url: str | URL) -> Path | None:
    """The file of a SQLite database URL (``None``: another database, or SQLite in memory)."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _make_engine(url: str, *, immediate: bool, pool_size: int) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, hide_parameters=HIDE_PARAMETERS
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        if immediate:
            # pysqlite's own transaction handling is switched off so that we emit BEGIN ourselves.
            def _autocommit(dbapi_connection: Any, _record: Any) -> None:
                dbapi_connection.isolation_level = None

            def _begin(conn: Any) -> None:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

            event.listen(engine.sync_engine, "connect", _autocommit)
            event.listen(engine.sync_engine, "begin", _begin)
        return engine
    return create_async_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, hide_parameters=HIDE_PARAMETERS
    )


@asynccontextmanager
async def one_off_engine(url: str, **options: Any) -> AsyncIterator[AsyncEngine]:
    """A plain engine for one short job (an administrative statement, a migration, a schema check), disposed of
    when the block ends, however it ends; ``options`` go to :func:`create_async_engine`."""
    engine = create_async_engine(url, **options)
    try:
        yield engine
    finally:
        await engine.dispose()


class Database:
    """The registry's engines and session factories; one per process, disposed on shutdown."""

    def __init__(self, url: str, *, read_url: str | None = None, pool_size: int = 10) -> None:
        self.url = url
        self.write_engine = _make_engine(url, immediate=True, pool_size=pool_size)
        self.read_engine = _make_engine(read_url or url, immediate=False, pool_size=pool_size)
        #: Reads that must see the primary. Not the write engine on SQLite: its ``BEGIN IMMEDIATE`` would take
        #: the database's write lock for a read, and a read cancelled half-way (a timeout, a worker stopping)
        #: then kept that lock until its connection was garbage-collected, stalling every writer.
        self.primary_engine = self.write_engine
        if self.write_engine.dialect.name == "sqlite":
            same_file = read_url is None or read_url == url
            self.primary_engine = self.read_engine if same_file else _make_engine(url, immediate=False, pool_size=1)
        self._write = async_sessionmaker(self.write_engine, expire_on_commit=False)
        self._read = async_sessionmaker(self.read_engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.write_engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A write session inside one transaction: committed on success, rolled back on any error."""
        async with self._write() as session, session.begin():
            yield session

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[AsyncSession]:
        """A session on the read engine (the replica when configured); never commits."""
        async with self._read() as session:
            yield session

    async def dispose(self) -> None:
        await self.write_engine.dispose()
        await self.read_engine.dispose()
        if self.primary_engine not in (self.write_engine, self.read_engine):
            await self.primary_engine.dispose()

    async def __aenter__(self) -> Self:
        """``async with Database(url) as database:`` for a short job (a command, a test's setup): disposed of
        when the block ends, however it ends."""
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.dispose()
