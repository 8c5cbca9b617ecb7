"""Path parameters shared by the issuer's routes, validated at the edge (400, never a database error)."""

from __future__ import annotations

from typing import Annotated, Final

from litestar.params import Parameter

#: Largest value of a 64-bit key column: a larger id would overflow the database driver.
MAX_ID: Final = 2**63 - 1

BatchId = Annotated[int, Parameter(ge=1, le=MAX_ID, description="批次编号 / batch id")]
