"""Errors of the verify package. On the public routes a failed verification is a verdict, not an error."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Final, TypeVar

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

logger = logging.getLogger("certreg.verify")

#: What a database that is down, unreachable, slow or unreadable raises on the read path.
DATABASE_ERRORS: Final = (SQLAlchemyError, OSError, TimeoutError)


T = TypeVar("T")


def connection_lost(exc: BaseException) -> bool:
    """Whether ``exc`` says the server ended the connection while the database itself may be up (a pooler or
    the server restarting a session, ``pg_terminate_backend``): SQLAlchemy has then invalidated it."""
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


async def read_with_one_retry(read: Callable[[], Awaitable[T]]) -> T:
    """``read()``, and once more on a fresh connection if the first one was ended under it (issue 10, item
    12a): only a database that fails twice, or is unreachable, makes a read fail."""
    try:
        return await read()
    except DBAPIError as exc:
        if not connection_lost(exc):
            raise
        logger.info("a database connection was ended during a read; retrying once on a fresh one")
    return await read()


class VerifyError(Exception):
    """Base class of every error the verify package raises on purpose."""


class ServiceUnavailableError(VerifyError):
    """The database cannot answer and the cache has nothing: the client should retry later."""

    def __init__(self, message: str, *, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def unavailable(exc: BaseException, retry_after: int) -> ServiceUnavailableError:
    """The 503 for a database failure (logged here with its cause, never echoed to the client)."""
    # the error's type only, never its text: a driver's message can quote a row's values (docs/operations.md)
    logger.warning("database unavailable on the read path: %s", type(exc).__name__)
    return ServiceUnavailableError(
        "查询服务暂时不可用，请稍后重试 / the registry cannot be read right now; retry later", retry_after=retry_after
    )


async def read_or_unavailable(
    read: Callable[[], Awaitable[T]], *, within: float, retry_after: int, on_error: Callable[[], None] | None = None
) -> T:
    """``read()`` by :func:`read_with_one_retry` within ``within`` seconds; when the database fails or is too
    slow, ``on_error()`` (a metric) and :class:`ServiceUnavailableError` (503, Retry-After ``retry_after``)."""
    try:
        async with asyncio.timeout(within):
            return await read_with_one_retry(read)
    except DATABASE_ERRORS as exc:
        if on_error is not None:
            on_error()
        raise unavailable(exc, retry_after) from None


class NotAvailableError(VerifyError):
    """Something public this deployment does not offer right now (the log's verifier key before the province
    made one, or while two are active): answered 404 with a plain message for the public. What an operator
    must do is logged at start-up and in docs/log.md, never shown to the public."""
