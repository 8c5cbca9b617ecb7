"""The event table refuses UPDATE, DELETE and TRUNCATE in the database itself (docs/rules.md rule 11: 全程留痕).

The transparency log already makes a changed or deleted event *detectable* (``certreg audit``); these
triggers make it *refused*, so an application bug or an operator's slip cannot do it, and doing it on
purpose takes a deliberate step: on PostgreSQL a superuser session with ``session_replication_role =
replica`` (ordinary triggers do not fire), which the application's role should not hold; on SQLite, dropping
the triggers. The audit catches what gets past that.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

#: What a refused statement says (the database error carries it to the operator).
MESSAGE: Final = "事件表只能追加 / the event table is append-only"

#: The SQLite triggers that refuse UPDATE and DELETE, as migration 0004 creates them (its own copy, as
#: history; a test checks the two agree). :func:`unguarded` drops and re-creates them. PostgreSQL's guard (0004's
#: function and triggers) is never dropped at run time, so its DDL is written in 0004 only.
_SQLITE_INSTALL: Final = (
    f"CREATE TRIGGER event_no_update BEFORE UPDATE ON event BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    f"CREATE TRIGGER event_no_delete BEFORE DELETE ON event BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
)
_SQLITE_REMOVE: Final = ("DROP TRIGGER IF EXISTS event_no_update", "DROP TRIGGER IF EXISTS event_no_delete")


def _sqlite_only(dialect: str) -> None:
    if dialect != "sqlite":
        raise ValueError(f"{dialect}: the append-only guard is dropped and re-created on SQLite only")


def install_statements(dialect: str) -> tuple[str, ...]:
    """The DDL that makes the event table append-only again on SQLite (``dialect``) after
    :func:`remove_statements`: the triggers migration 0004 creates."""
    _sqlite_only(dialect)
    return _SQLITE_INSTALL


def remove_statements(dialect: str) -> tuple[str, ...]:
    """The DDL that drops the SQLite triggers of :func:`install_statements`."""
    _sqlite_only(dialect)
    return _SQLITE_REMOVE


@asynccontextmanager
async def unguarded(executor: AsyncConnection | AsyncSession, dialect: str) -> AsyncIterator[None]:
    """Inside this block (in one open transaction of ``executor``) the event table can be changed: for wiping
    a scratch database (tests, benchmarks) and for tests that tamper as an insider would. Needs a PostgreSQL
    superuser; the guard is back when the block ends (SQLite: re-created in the same transaction).
    """
    if dialect == "postgresql":
        await executor.execute(text("SET LOCAL session_replication_role = replica"))
        yield
        await executor.execute(text("SET LOCAL session_replication_role = origin"))
        return
    for statement in _SQLITE_REMOVE:
        await executor.execute(text(statement))
    yield
    for statement in _SQLITE_INSTALL:
        await executor.execute(text(statement))
