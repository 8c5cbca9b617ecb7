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

_PG_INSTALL: Final = (
    f"""CREATE OR REPLACE FUNCTION certreg_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$""",
    """CREATE TRIGGER event_append_only BEFORE UPDATE OR DELETE ON event
    FOR EACH ROW EXECUTE FUNCTION certreg_event_append_only()""",
    """CREATE TRIGGER event_append_only_truncate BEFORE TRUNCATE ON event
    FOR EACH STATEMENT EXECUTE FUNCTION certreg_event_append_only()""",
)
_PG_REMOVE: Final = (
    "DROP TRIGGER IF EXISTS event_append_only_truncate ON event",
    "DROP TRIGGER IF EXISTS event_append_only ON event",
    "DROP FUNCTION IF EXISTS certreg_event_append_only()",
)
_SQLITE_INSTALL: Final = (
    f"CREATE TRIGGER event_no_update BEFORE UPDATE ON event BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    f"CREATE TRIGGER event_no_delete BEFORE DELETE ON event BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
)
_SQLITE_REMOVE: Final = ("DROP TRIGGER IF EXISTS event_no_update", "DROP TRIGGER IF EXISTS event_no_delete")


def install_statements(dialect: str) -> tuple[str, ...]:
    """The DDL that makes the event table append-only on ``dialect`` (``postgresql`` or ``sqlite``): the same
    statements migration 0004 writes out (its own copy, as history; a test checks they agree)."""
    return _PG_INSTALL if dialect == "postgresql" else _SQLITE_INSTALL


def remove_statements(dialect: str) -> tuple[str, ...]:
    """The DDL that undoes :func:`install_statements`."""
    return _PG_REMOVE if dialect == "postgresql" else _SQLITE_REMOVE


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
