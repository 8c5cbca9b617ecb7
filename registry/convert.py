"""A row as a view: an ORM row (or any object) converted to a msgspec Struct by field name, with the few
fields the row does not hold (a status, a label, a count) given by the caller.

``msgspec.convert(row, View, from_attributes=True)`` is how rows become answers (docs STYLE: ORM rows never
reach a cache or a response); a view that adds computed fields would otherwise copy every column by hand, and
such copies drift when a column is added. Conversion also checks each value against the view's types.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

import msgspec

_View = TypeVar("_View")


class _With:
    """``row``'s attributes, ``extra``'s entries first (only what msgspec reads: the view's field names)."""

    __slots__ = ("_extra", "_row")

    def __init__(self, row: object, extra: Mapping[str, object]) -> None:
        self._row, self._extra = row, extra

    def __getattr__(self, name: str) -> object:
        return self._extra[name] if name in self._extra else getattr(self._row, name)


def view_of(row: object, view: type[_View], /, **extra: object) -> _View:
    """``row`` as a ``view``: each field from ``extra`` when given there, else from the row's attribute of the
    same name (a field with a default may be missing from both). Raises :class:`msgspec.ValidationError` when
    a value does not fit the view (a programming error: a column and its view disagree)."""
    return msgspec.convert(_With(row, extra), view, from_attributes=True)
