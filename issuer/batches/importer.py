"""The pure half of an import: bytes → table → checked rows → duplicates marked.

The services run these steps around the database reads they need (reference data for the
:class:`RowChecker`, the valid certificates and pending batches of the file's holders), off the event loop:
parsing and checking 100,000 rows is CPU work of a second or two.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from typing import Final

import msgspec

from issuer.batches.columns import ColumnMap, Field, field_of, pick_table
from issuer.batches.problems import problem
from issuer.batches.rows import NO_DIGEST, CheckedRow, RowChecker, subject_key
from registry.rules.formats import occupation_of
from registry.tabular import (
    Table,
    TableError,
    read_tables,
    refuse_hidden,
    refuse_hidden_columns,
    refuse_unreadable,
    rounded_by_excel,
)
from registry.vocab import CertificateKind

#: ``progress(stage, done, total)``; stages are ``read``, ``check`` and ``store``.
Progress = Callable[[str, int, int], None]
_PROGRESS_STEP: Final = 2000
Key = tuple[bytes, str, int]


class ParsedFile(msgspec.Struct, frozen=True):
    """An upload read and its columns located (no row checked yet)."""

    file_name: str
    sha256: bytes
    table: Table
    columns: ColumnMap


def no_progress(stage: str, done: int, total: int) -> None:
    """The default progress callback: reports nowhere."""


def parse_file(data: bytes, file_name: str, kind: CertificateKind, *, max_rows: int) -> ParsedFile:
    """Read the upload and locate its columns; raises :class:`registry.tabular.TableError` (422), also for a
    table with a header and no data row (a batch of nothing could never go on: nothing to review or issue)."""
    table, columns = pick_table(read_tables(data, file_name, max_rows=max_rows), kind)
    table = _people_only(table, columns)
    if not table.rows:
        where = f"工作表 {table.name} " if table.name else ""
        where_en = f"sheet {table.name!r} " if table.name else "the file "
        raise TableError(
            "file.no_rows",
            f"{where}只有表头，没有成绩数据行 / {where_en}has a header row but no data rows",
        )
    refuse_hidden(table)
    used = {at: columns.header(field) for field, at in columns.index.items()}
    refuse_hidden_columns(table, used)
    refuse_unreadable(table, used)
    return ParsedFile(file_name=file_name, sha256=hashlib.sha256(data).digest(), table=table, columns=columns)


def _people_only(table: Table, columns: ColumnMap) -> Table:
    """The rows that name someone: a row with neither a name nor an ID number is a template's pre-filled line
    (序号 numbered down, or the one occupation and level of the batch filled down past its last candidate),
    or a 合计 line, and would otherwise be a bad row to exclude for every such line; nor is the header
    repeated down the sheet (an export's header on every printed page)."""
    rows = tuple(
        row
        for row in table.rows
        if (columns.cell(row.cells, Field.NAME) or columns.cell(row.cells, Field.ID_NUMBER))
        and not _repeats_header(row.cells, columns)
    )
    return table if len(rows) == len(table.rows) else msgspec.structs.replace(table, rows=rows)


def _repeats_header(cells: tuple[str, ...], columns: ColumnMap) -> bool:
    """Whether every column read holds a header of its own field (``姓名``, ``身份证号`` …)."""
    if columns.cell(cells, Field.ID_NUMBER)[:1].isdigit():  # the common row: an ID number (a header: 身份证号（18位）)
        return False
    return all(field_of(columns.cell(cells, field)) is field for field in columns.index)


def subject_codes(parsed: ParsedFile, kind: CertificateKind) -> set[str]:
    """The catalogue codes the file names (occupations with their bare code too), for one look-up."""
    field = Field.OCCUPATION if kind.has_level else Field.PROJECT
    codes = {subject_key(kind, parsed.columns.cell(row.cells, field)) for row in parsed.table.rows}
    if kind.has_level:
        codes |= {occupation_of(code) for code in codes}
    codes.discard("")
    return codes


def check_rows(parsed: ParsedFile, checker: RowChecker, progress: Progress = no_progress) -> list[CheckedRow]:
    """Check every row, then mark later rows that repeat an earlier one (same holder, subject, level)."""
    rows = parsed.table.rows
    checked = []
    for done, row in enumerate(rows, start=1):
        checked.append(checker.check(row))
        if done % _PROGRESS_STEP == 0:
            progress("check", done, len(rows))
    progress("check", len(rows), len(rows))
    mark_rounded_alongside(checked, parsed.columns.header(Field.ID_NUMBER))
    mark_in_file_duplicates(checked, parsed.columns.header(Field.ID_NUMBER))
    return checked


def mark_rounded_alongside(rows: list[CheckedRow], column: str) -> None:
    """When Excel rounded ID numbers of the file (a row is ``id.rounded``: 18 digits ending in 000, the check
    character wrong), every other 18-digit number ending in 000 of it is ``id.rounded_column`` and loses its
    digest: a column saved as numbers rounds them all, and one in eleven ends in a check character that still
    fits. Alone, such a number may be someone's (order code x00, check character 0) and is kept."""
    if not any(p.code == "id.rounded" for row in rows for p in row.problems):
        return
    for row in rows:
        number = row.document.number if row.document is not None else ""
        if len(number) == 18 and number.isdigit() and rounded_by_excel(number):
            row.problems.append(problem("id.rounded_column", row=row.row_no, column=column, field="id_number"))
            row.holder_id_digest, row.comparable, row.document = NO_DIGEST, False, None


def mark_in_file_duplicates(rows: list[CheckedRow], column: str) -> None:
    """A row repeating an earlier comparable row gets ``duplicate.in_file`` naming the first one."""
    first: dict[Key, int] = {}
    for row in rows:
        if not row.comparable:
            continue
        seen = first.setdefault(row.key, row.row_no)
        if seen != row.row_no:
            row.problems.append(
                problem("duplicate.in_file", row=row.row_no, column=column, field="id_number", first=seen)
            )


def holder_digests(rows: Iterable[CheckedRow]) -> set[bytes]:
    return {row.holder_id_digest for row in rows if row.comparable}


def mark_known_duplicates(
    rows: list[CheckedRow], *, certificates: Mapping[Key, str], batches: Mapping[Key, int], column: str
) -> None:
    """Rows whose holder already has a valid certificate, or sits in a batch not yet issued, for the same
    subject and level."""
    for row in rows:
        if not row.comparable:
            continue
        number = certificates.get(row.key)
        if number is not None:
            row.problems.append(
                problem("duplicate.valid_certificate", row=row.row_no, column=column, field="id_number", number=number)
            )
        batch = batches.get(row.key)
        if batch is not None:
            row.problems.append(
                problem("duplicate.pending_batch", row=row.row_no, column=column, field="id_number", batch=batch)
            )
