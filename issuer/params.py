"""Parameters shared by the issuer's routes, validated at the edge (400, never a database error).

The checks of the text they carry are :mod:`issuer.text_checks`, which the commands share without litestar.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Final

from litestar.params import ParameterKwarg, QueryParameter

from registry.config import MAX_OFFSET_MM, OFFSET_MM_PATTERN
from verify.http.apidocs import bounded

#: Largest value of a 64-bit key column: a larger id would overflow the database driver.
MAX_ID: Final = 2**63 - 1

BatchId = Annotated[int, bounded(1, MAX_ID, description="批次编号 / batch id")]
#: Rows to skip in a paged list. Bounded like an id: an unbounded offset reached the driver and overflowed
#: its 64-bit integer (a 500, issue 10 item 10); no list is anywhere near this long.
Offset = Annotated[int, bounded(0, MAX_ID, kind=QueryParameter, description="跳过的条数 / rows to skip")]


def one_of(choices: type[Enum]) -> ParameterKwarg:
    """A query parameter a route reads itself (to refuse a wrong value with its own bilingual message), with the
    values it takes listed in the document: it said "any string"."""
    return QueryParameter(schema_extra={"enum": [choice.value for choice in choices]})


def text_like(pattern: str, description: str) -> ParameterKwarg:
    """A query parameter a route reads itself as text (to refuse a malformed one with its own bilingual
    message), with the form it takes written in the document as a ``pattern``: it said "any string"."""
    return QueryParameter(description=description, schema_extra={"pattern": pattern})


#: ``?since=`` of the certificate export: an event id (``parse_since`` strips spaces, takes ASCII digits).
SINCE: Final = text_like(
    r"^\s*[0-9]+\s*$",
    "此事件编号之后的事件（0 至 2^63-1，不超过日志最新事件）/ the events after this event id (0 to 2^63-1, at most "
    "the log's newest event)",
)
#: ``?offset=x,y`` of the test page; empty or blank is the default offset (``parse_offset``).
PRINT_OFFSET: Final = text_like(
    rf"^(?:{OFFSET_MM_PATTERN}|\s*)$",
    f"套打偏移 x,y（毫米，各在 ±{MAX_OFFSET_MM:g} 以内，正值向右/向下）/ the print offset x,y in mm, each from "
    f"-{MAX_OFFSET_MM:g} to {MAX_OFFSET_MM:g} (+ is right/down)",
)
