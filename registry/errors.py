"""Errors of the registry package: one base class, subclasses that callers map to HTTP or exit codes."""

from __future__ import annotations


class RegistryError(Exception):
    """Base class of every error the registry raises on purpose."""


class NotFoundError(RegistryError):
    """A record that was asked for by key does not exist."""


class ConflictError(RegistryError):
    """The change would contradict what is stored (a duplicate, a state that moved on)."""


class SchemaOutdatedError(RegistryError):
    """The database schema is older (or newer) than this code; run ``certreg db upgrade``."""


class LoadError(RegistryError):
    """A reference-data file could not be loaded; nothing of it was stored.

    ``problems`` lists every bad row as (row number, field, rule code, message).
    """

    def __init__(self, message: str, problems: list[tuple[int, str, str, str]] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class SequenceOverflowError(RegistryError):
    """A numbering sequence would overflow its width; the batch must stop before issuing anything."""
