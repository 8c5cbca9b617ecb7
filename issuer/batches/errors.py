"""Errors of the batch services that :mod:`issuer.errors` has no class for."""

from __future__ import annotations

from issuer.errors import IssuerError


class BatchRequestError(IssuerError):
    """A well-formed request the batch cannot take (row numbers it does not hold, a missing reason, a
    notice shorter than the minimum): answered 422 with its stable ``code`` (:mod:`issuer.http_errors`)."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code
