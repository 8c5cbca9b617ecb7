"""Streaming a large table in key order, a chunk at a time (keyset pagination: constant memory, no OFFSET)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import Row, Select, literal, tuple_
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

Key = ColumnElement[Any] | InstrumentedAttribute[Any]


def for_driver(statement: Select[*tuple[Any, ...]], dialect: Dialect) -> tuple[str, list[str], list[Any]]:
    """``statement`` as the driver itself takes it (asyncpg: ``$n`` placeholders): its SQL, its parameters'
    names in order, and their values. For the readers that skip SQLAlchemy's result rows (issue 12)."""
    compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    names = list(compiled.positiontup or ())
    return compiled.string, names, [compiled.params.get(name) for name in names]


def _page(
    statement: Select[*tuple[Any, ...]], keys: Sequence[Key], last: tuple[Any, ...] | None, chunk: int
) -> Select[*tuple[Any, ...]]:
    """The next ``chunk`` rows of ``statement`` in ``keys`` order after the key values ``last`` (the first page
    when ``None``)."""
    if last is not None:
        after = keys[0] > last[0] if len(keys) == 1 else tuple_(*keys) > tuple_(*(literal(v) for v in last))
        statement = statement.where(after)
    return statement.order_by(*keys).limit(chunk)


async def in_chunks(
    session: AsyncSession, statement: Select[*tuple[Any, ...]], keys: Sequence[Key], chunk: int
) -> AsyncIterator[Sequence[Row[*tuple[Any, ...]]]]:
    """Rows of ``statement`` in ``keys`` order, ``chunk`` at a time; its first columns must be ``keys``."""
    last: tuple[Any, ...] | None = None
    while True:
        query = _page(statement, keys, last, chunk)
        # Core execution on the session's connection (same transaction): the ORM's result machinery cost the
        # audit's reading process a third of its time for plain column rows (issue 12)
        connection = await session.connection()
        rows = (await connection.execute(query)).all()
        if not rows:
            return
        yield rows
        last = tuple(rows[-1][: len(keys)])


async def value_chunks(
    session: AsyncSession, statement: Select[*tuple[Any, ...]], keys: Sequence[Key], chunk: int
) -> AsyncIterator[list[tuple[Any, ...]]]:
    """:func:`in_chunks` as plain tuples of column values, for a caller that only passes them on (the audit
    encodes them for its workers). On PostgreSQL they are read through asyncpg itself, on the session's
    connection (same snapshot): SQLAlchemy's result rows and per-value type processing were most of the
    audit's reading process (issue 12). Only for columns whose driver values are what SQLAlchemy would give
    (asyncpg returns ``timestamptz`` as UTC-aware datetimes already)."""
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        async for rows in in_chunks(session, statement, keys, chunk):
            yield [tuple(row) for row in rows]
        return
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None
    last: tuple[Any, ...] | None = None
    while True:
        sql, _, arguments = for_driver(_page(statement, keys, last, chunk), connection.dialect)
        values = [tuple(record) for record in await driver.fetch(sql, *arguments)]
        if not values:
            return
        yield values
        last = values[-1][: len(keys)]


async def range_chunks(
    session: AsyncSession,
    statement: Select[*tuple[Any, ...]],
    key: Key,
    order: Sequence[Key],
    span: tuple[int, int],
    *,
    chunk: int,
) -> AsyncIterator[Sequence[Sequence[Any]]]:
    """Rows of ``statement`` whose integer ``key`` lies in ``chunk``-wide ranges covering ``span`` (first, last
    inclusive), a range at a time in ``order`` (through asyncpg on PostgreSQL, as :func:`value_chunks`; rows as
    the driver gives them: indexed or sliced, they give plain values and tuples). For a join that can give one
    key several rows (the audit's leaf pass: a leaf with two print rows): a range never splits them, which a
    ``LIMIT`` page would. Empty ranges are skipped."""
    connection = await session.connection()
    driver = None
    if connection.dialect.name == "postgresql":
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
    first, last = span
    for low in range(first, last + 1, chunk):
        page = statement.where(key >= low, key < low + chunk).order_by(*order)
        values: Sequence[Sequence[Any]]
        if driver is None:
            values = (await connection.execute(page)).all()
        else:
            sql, _, arguments = for_driver(page, connection.dialect)
            values = await driver.fetch(sql, *arguments)
        if values:
            yield values
