"""The event table is append-only in the database itself: UPDATE, DELETE (and on PostgreSQL TRUNCATE) are
refused with a message saying so, whatever code issues them; the deliberate insider path still exists (the
audit's tamper tests use it) and leaves the guard in place afterwards."""

from __future__ import annotations

import importlib

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from registry.append_only import install_statements, remove_statements, unguarded
from registry.db import Database
from registry.events import EventKind, NewEvent, append_events
from registry.models import Event


async def _one_event(database: Database) -> None:
    async with database.transaction() as session:
        await append_events(
            session, [NewEvent(kind=EventKind.CERTIFICATE_REVOKED, subject="S1", actor="test", reason="测试")]
        )


async def _reasons(database: Database) -> list[str]:
    async with database.reader() as session:
        return list((await session.scalars(select(Event.reason))).all())


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param(update(Event).values(reason="改写"), id="update"),
        pytest.param(delete(Event), id="delete"),
    ],
)
async def test_changing_or_deleting_an_event_is_refused(database: Database, statement: object) -> None:
    await _one_event(database)
    with pytest.raises(DBAPIError, match="the event table is append-only"):
        async with database.transaction() as session:
            await session.execute(statement)  # type: ignore[call-overload]
    assert await _reasons(database) == ["测试"]


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)  # SQLite has no TRUNCATE (DELETE is above)
async def test_truncate_is_refused_on_postgresql(database: Database) -> None:
    assert database.dialect == "postgresql"
    await _one_event(database)
    with pytest.raises(DBAPIError, match="the event table is append-only"):
        async with database.transaction() as session:
            await session.execute(text("TRUNCATE event CASCADE"))
    assert await _reasons(database) == ["测试"]


async def test_the_insider_path_works_and_the_guard_is_back_after_it(database: Database) -> None:
    await _one_event(database)
    async with database.transaction() as session, unguarded(session, database.dialect):
        await session.execute(update(Event).values(reason="改写"))
    assert await _reasons(database) == ["改写"]
    with pytest.raises(DBAPIError, match="the event table is append-only"):
        async with database.transaction() as session:
            await session.execute(delete(Event))
    async with database.reader() as session:
        assert await session.scalar(select(func.count()).select_from(Event)) == 1


def test_migration_0004_writes_the_same_sqlite_triggers_as_the_module() -> None:
    """Migration 0004 carries its trigger SQL inline (history must not change with the code); the module
    keeps a copy of the SQLite triggers, which it drops and re-creates: the two must say the same. (PostgreSQL's
    guard is written in 0004 only: nothing at run time drops it.)"""
    migration = importlib.import_module("registry.migrations.versions.0004_event_append_only")
    in_module = (install_statements("sqlite"), remove_statements("sqlite"))
    assert in_module == (migration._SQLITE_INSTALL, migration._SQLITE_REMOVE)


def test_the_module_drops_no_postgresql_guard() -> None:
    with pytest.raises(ValueError, match="SQLite only"):
        remove_statements("postgresql")
