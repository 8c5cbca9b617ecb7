"""Rows whose columns no longer hold a value of their type: reported, not a crash (docs/log.md "Columns holding
no valid value").

SQLite keeps whatever a statement gives a column (``UPDATE event SET at = 'garbage'``, text in a date, integer
or binary column); SQLAlchemy's parsing of such a value, or the audit's typed decoding of the row, then raised
and ended ``certreg audit`` with a traceback: exactly the registry that most needs auditing went unaudited. The
audit's fast path is unchanged (a clean chunk is read, parsed and decoded as before); only a chunk that fails is
read again here value by value, each value that does not parse kept as it is, and each row that does not then
decode into its struct reported with the columns at fault (:func:`invalid_fields`). PostgreSQL's typed columns
refuse such values in the first place; the screening is the same code on both.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final, TypeVar

import msgspec
from sqlalchemy import Dialect, Select, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import NullType

from registry.audit.findings import AuditReport, Finding
from registry.models.base import Base

S = TypeVar("S", bound=msgspec.Struct)
T = TypeVar("T")

#: What a driver's or SQLAlchemy's parsing of a value stored in the wrong form raises (a date that is not
#: ISO, text where bytes or a number belong): the failures a tampered column gives, and only those.
PARSE_ERRORS: Final = (ValueError, TypeError, AssertionError, OverflowError, LookupError, msgspec.ValidationError)


def raw_statement(statement: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
    """``statement`` with every selected column read as the driver gives it (no type's parsing)."""
    return statement.with_only_columns(
        *(type_coerce(column, NullType()) for column in statement.selected_columns), maintain_column_froms=True
    )


def parsed_values(
    rows: Sequence[Sequence[Any]], statement: Select[*tuple[Any, ...]], dialect: Dialect
) -> list[tuple[Any, ...]]:
    """``rows`` read by :func:`raw_statement` of ``statement``, each value parsed as ``statement``'s column type
    parses it, or kept as stored when it does not parse (the typed decoding then reports it)."""
    processors: list[Callable[[Any], Any] | None] = [
        column.type.dialect_impl(dialect).result_processor(dialect, None) for column in statement.selected_columns
    ]
    return [tuple(_parsed(value, processor) for value, processor in zip(row, processors, strict=True)) for row in rows]


def _parsed(value: Any, processor: Callable[[Any], Any] | None) -> Any:
    if processor is None or value is None:
        return value
    try:
        return processor(value)
    except PARSE_ERRORS:
        return value


def invalid_fields(struct: type[msgspec.Struct], values: Sequence[Any]) -> list[str]:
    """The fields of ``struct`` (an ``array_like`` struct) whose value in ``values``, in field order, is not of
    the field's type."""
    return [
        info.name
        for info, value in zip(msgspec.structs.fields(struct), values, strict=False)
        if not _converts(value, info.type)
    ]


def _converts(value: Any, kind: Any) -> bool:
    try:
        msgspec.convert(value, kind)
    except msgspec.ValidationError:
        return False
    return True


def report_invalid(report: AuditReport, kind: Finding, record: str, fields: Sequence[str]) -> None:
    """Report the row ``record`` whose columns ``fields`` hold no value of their type."""
    names = ", ".join(fields)
    report.add(
        kind,
        record,
        f"{record} 的字段 {names} 的值无效（库中被改动）/ {record}: column(s) {names} hold no valid value "
        "(changed in the database)",
    )


def screened(
    report: AuditReport,
    struct: type[S],
    rows: Sequence[Sequence[Any]],
    where: Callable[[Sequence[Any]], str],
    kind: Finding,
) -> list[S | None]:
    """``rows`` decoded as ``struct``, each row that does not decode ``None`` and reported as ``kind`` at
    ``where(row)``, naming its columns at fault."""
    decoded: list[S | None] = []
    for row in rows:
        try:
            decoded.append(msgspec.convert(row, struct))
        except msgspec.ValidationError:
            report_invalid(report, kind, where(row), invalid_fields(struct, row) or ["?"])
            decoded.append(None)
    return decoded


async def unreadable_rows(session: AsyncSession, models: Sequence[type[Base]]) -> list[tuple[str, str, list[str]]]:
    """Each row of the tables of ``models`` with a value its column's type cannot parse: (table, primary key,
    columns). Reads the whole tables as stored: only for the small ones (keys, filings, status lists, sealed
    identities) and only once a check could not read them."""
    dialect = (await session.connection()).dialect
    found = []
    for model in models:
        table = model.__table__
        statement = select(*table.columns)
        processors = [column.type.dialect_impl(dialect).result_processor(dialect, None) for column in table.columns]
        keys = [index for index, column in enumerate(table.columns) if column.primary_key]
        for row in (await session.execute(raw_statement(statement))).all():
            bad = [
                column.name
                for column, value, processor in zip(table.columns, row, processors, strict=True)
                if not _parses(value, processor)
            ]
            if bad:
                found.append((model.__tablename__, "/".join(str(row[index]) for index in keys), bad))
    return found


def _parses(value: Any, processor: Callable[[Any], Any] | None) -> bool:
    if processor is None or value is None:
        return True
    try:
        processor(value)
    except PARSE_ERRORS:
        return False
    return True


async def unless_unreadable(
    session: AsyncSession,
    report: AuditReport,
    stage: str,
    check: Callable[[], Awaitable[T]],
    models: Sequence[type[Base]],
) -> T | None:
    """``check()``, or ``None`` when a value it reads from ``models``' tables does not parse: then each such row is
    reported (``row.invalid``, naming the table, its key and the columns) and the check as not finished
    (``audit.incomplete``, naming ``stage``), and the audit goes on with its other checks."""
    try:
        return await check()
    except PARSE_ERRORS as exc:
        for table, key, columns in await unreadable_rows(session, models):
            report_invalid(report, Finding.ROW_INVALID, f"{table} {key}", columns)
        report.add(
            Finding.AUDIT_INCOMPLETE,
            stage,
            f"审计的 {stage} 检查因无法读取的值而中止，其余检查照常进行 / the {stage} check stopped at a value it "
            f"cannot read ({type(exc).__name__}: {str(exc)[:200]}); the other checks ran",
        )
        return None
