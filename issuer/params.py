"""Parameters shared by the issuer's routes, validated at the edge (400, never a database error).

The checks of the text they carry are :mod:`issuer.text_checks`, which the commands share without litestar.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Final

from litestar.params import ParameterKwarg, QueryParameter

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
