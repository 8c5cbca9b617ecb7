"""The audit's workers reading their own ranges of leaves on PostgreSQL, in the audit's snapshot.

Why (issue 12, docs/scale.md): with the reading process fetching every row and encoding it into a chunk for
the workers, that process took about a third of a core on a two-core machine whose two workers were busy
throughout; the audit sat right at its target, no margin. A worker that reads its own range spends the
driver's decode where it is needed, in parallel, and the reading process only hands out ranges and folds
the results (the tree rebuild stays there: it is sequential).

Every worker sees exactly what the audit's own session sees: the session's transaction exports its snapshot
(``pg_export_snapshot()``, in ``REPEATABLE READ``), and each worker's one connection joins it (``SET
TRANSACTION SNAPSHOT``) before its first range, read-only, with the pass's planner settings. The connection
is made from the audit engine's own URL the way SQLAlchemy makes one (``create_connect_args``), so whatever
the URL says (host, port, TLS) holds for the workers too.
"""

from __future__ import annotations

import asyncio
import atexit
import inspect
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

import asyncpg  # type: ignore[import-untyped]
import msgspec
from sqlalchemy import Integer, Select, bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection

from registry.log.paging import for_driver

#: What ``pg_export_snapshot()`` returns (e.g. ``00000003-0000001B-1``); checked before it is put in a statement.
_SNAPSHOT_ID: Final = re.compile(r"[0-9A-Fa-f]+(-[0-9A-Fa-f]+)+")
_CONNECT_PARAMETERS: Final = frozenset(inspect.signature(asyncpg.connect).parameters)
_LOW, _HIGH = "audit_range_low", "audit_range_high"


class RangeSource(msgspec.Struct, frozen=True):
    """What a worker needs to read one range of the pass: how to connect, the snapshot to join, the planner
    settings, and the statement (its parameters in order; the range's bounds where ``names`` say so)."""

    connect: dict[str, Any]
    snapshot: str
    settings: dict[str, str]
    sql: str
    names: list[str]
    values: list[Any]

    def arguments(self, low: int, high: int) -> list[Any]:
        bounds = {_LOW: low, _HIGH: high}
        return [bounds.get(name, value) for name, value in zip(self.names, self.values, strict=True)]


async def range_source(
    connection: AsyncConnection,
    statement: Select[*tuple[Any, ...]],
    key: Any,
    order: Sequence[Any],
    settings: Mapping[str, str],
) -> RangeSource:
    """The source of ``statement``'s rows whose integer ``key`` lies in a half-open range, in ``order``, read in
    ``connection``'s transaction snapshot (which must be ``REPEATABLE READ`` and stay open while workers read)."""
    snapshot = str((await connection.execute(text("SELECT pg_export_snapshot()"))).scalar_one())
    page = statement.where(key >= bindparam(_LOW, 0, type_=Integer), key < bindparam(_HIGH, 0, type_=Integer))
    sql, names, values = for_driver(page.order_by(*order), connection.dialect)
    _, options = connection.dialect.create_connect_args(connection.engine.url)
    return RangeSource(
        connect={name: value for name, value in options.items() if name in _CONNECT_PARAMETERS},
        snapshot=snapshot,
        settings=dict(settings),
        sql=sql,
        names=names,
        values=values,
    )


_joined: tuple[str, asyncio.AbstractEventLoop, asyncpg.Connection] | None = None


def fetch_range(source: RangeSource, low: int, high: int) -> list[asyncpg.Record]:
    """The rows of ``source`` with ``low <= key < high``, on this process's one connection in its snapshot."""
    global _joined  # noqa: PLW0603 - one connection per worker process, kept for its next ranges
    if _joined is None or _joined[0] != source.snapshot:
        close()
        loop = asyncio.new_event_loop()
        try:
            _joined = (source.snapshot, loop, loop.run_until_complete(_join(source)))
        except BaseException:
            loop.close()
            raise
    _, loop, connection = _joined
    return loop.run_until_complete(connection.fetch(source.sql, *source.arguments(low, high)))


async def _join(source: RangeSource) -> asyncpg.Connection:
    if not _SNAPSHOT_ID.fullmatch(source.snapshot):
        raise ValueError(f"not a snapshot id: {source.snapshot!r}")
    connection = await asyncpg.connect(**source.connect)
    try:
        await connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        await connection.execute(f"SET TRANSACTION SNAPSHOT '{source.snapshot}'")
        for name, value in source.settings.items():
            await connection.execute(f"SET LOCAL {name} = {value}")
    except BaseException:
        await connection.close()
        raise
    return connection


def close() -> None:
    """End the joined transaction and close the connection (at a new snapshot, and when the worker exits)."""
    global _joined  # noqa: PLW0603
    if _joined is None:
        return
    _, loop, connection = _joined
    _joined = None
    try:
        loop.run_until_complete(connection.close(timeout=5))
    except (OSError, asyncpg.PostgresError, TimeoutError):
        connection.terminate()
    finally:
        loop.close()


atexit.register(close)
