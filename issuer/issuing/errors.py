"""Errors of the issuing services (issue, revoke, reissue, replace, QR, export).

They extend :mod:`issuer.errors` (one hierarchy for the package); :mod:`issuer.http_errors`, the app's one
exception → HTTP table, maps them.
"""

from __future__ import annotations

from issuer.batches.problems import RowProblem
from issuer.errors import InvalidInputError, IssuerError

__all__ = ["IneligibleError", "InvalidInputError"]


class IneligibleError(IssuerError):
    """Rows no longer pass the province's rules (or their statements cannot be built); nothing was issued.

    Answered 422 with every problem, so the reviewer sees all of them at once.
    """

    def __init__(self, message: str, problems: list[RowProblem], *, batch_id: int | None = None) -> None:
        super().__init__(message)
        self.problems = problems
        #: The batch whose rows these are (the HTTP answer names the route that holds them), if any.
        self.batch_id = batch_id
