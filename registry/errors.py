"""Errors of the registry package: one base class, subclasses that callers map to HTTP or exit codes."""

from __future__ import annotations

import msgspec


class RegistryError(Exception):
    """Base class of every error the registry raises on purpose."""


class NotFoundError(RegistryError):
    """A record that was asked for by key does not exist."""


class ConflictError(RegistryError):
    """The change would contradict what is stored (a duplicate, a state that moved on)."""


class MissingReferenceError(ConflictError):
    """Certificates (or credentials) about to be stored name an institution, authority, batch, key or
    certificate that does not exist (the check that replaced the row-by-row foreign keys, migrations 0012
    and 0013)."""


class SchemaOutdatedError(RegistryError):
    """The database schema is older (or newer) than this code; run ``certreg db upgrade``."""


class DatabaseMissingError(SchemaOutdatedError):
    """The SQLite file CERTREG_DATABASE_URL names does not exist (a typo, most likely): only ``certreg db
    upgrade`` makes one (:func:`registry.schema.check_schema`)."""


class DatabasePathError(DatabaseMissingError):
    """The SQLite path CERTREG_DATABASE_URL names is a directory (or another non-file), or lies in a folder
    SQLite cannot write its -wal and -shm files to: SQLite's own words were "unable to open database file"
    (:func:`registry.schema.check_sqlite_path`)."""


class Problem(msgspec.Struct, frozen=True, kw_only=True):
    """One bad row of a file: where it is, which rule it breaks, and what to do (Chinese / English)."""

    table: str
    row: int
    field: str
    code: str
    message: str


class LoadError(RegistryError):
    """A reference-data file could not be loaded; nothing of it was stored. ``problems`` lists every bad
    row with its row number, field and the rule it breaks."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        self.problems = problems or []
        rows = (f"  {p.table} row {p.row} [{p.field}] {p.code}: {p.message}" for p in self.problems)
        lines = [message, *rows]
        super().__init__("\n".join(lines))


class SequenceOverflowError(RegistryError):
    """A numbering sequence would overflow its width; the batch must stop before issuing anything."""
