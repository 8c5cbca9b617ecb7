"""Errors of the issuing services (issue, revoke, reissue, replace, QR, export).

They extend :mod:`issuer.errors`; :mod:`issuer.issuing.http` maps the ones the shared tables do not know
(400 and the row report of 422) on the controllers of this package.
"""

from __future__ import annotations

import msgspec

from issuer.errors import InvalidInputError, IssuerError

__all__ = ["IneligibleError", "InvalidInputError", "RowProblem"]


class RowProblem(msgspec.Struct, frozen=True, kw_only=True):
    """Why one row of a batch (or one corrected certificate) cannot be issued."""

    row: int
    field: str
    code: str
    message: str


class IneligibleError(IssuerError):
    """Rows no longer pass the province's rules (or their statements cannot be built); nothing was issued.

    Answered 422 with every problem, so the reviewer sees all of them at once.
    """

    def __init__(self, message: str, problems: list[RowProblem]) -> None:
        super().__init__(message)
        self.problems = problems
