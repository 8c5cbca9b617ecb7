"""Errors of the verify package. On the public routes a failed verification is a verdict, not an error."""

from __future__ import annotations

import logging
from typing import Final

from sqlalchemy.exc import SQLAlchemyError

logger = logging.getLogger("certreg.verify")

#: What a database that is down, unreachable, slow or unreadable raises on the read path.
DATABASE_ERRORS: Final = (SQLAlchemyError, OSError, TimeoutError)


class VerifyError(Exception):
    """Base class of every error the verify package raises on purpose."""


class ServiceUnavailableError(VerifyError):
    """The database cannot answer and the cache has nothing: the client should retry later."""

    def __init__(self, message: str, *, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def unavailable(exc: BaseException, retry_after: int) -> ServiceUnavailableError:
    """The 503 for a database failure (logged here with its cause, never echoed to the client)."""
    logger.warning("database unavailable on the read path: %s: %s", type(exc).__name__, str(exc)[:300])
    return ServiceUnavailableError(
        "查询服务暂时不可用，请稍后重试 / the registry cannot be read right now; retry later", retry_after=retry_after
    )
