"""Errors of the verify package. On the public routes a failed verification is a verdict, not an error."""

from __future__ import annotations


class VerifyError(Exception):
    """Base class of every error the verify package raises on purpose."""


class ServiceUnavailableError(VerifyError):
    """The database cannot answer and the cache has nothing: the client should retry later."""

    def __init__(self, message: str, *, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after
