"""The issuer's additions to the error table of :mod:`verify.http.errors`."""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, Response

from issuer.errors import BatchStateError, Forbidden, UploadError
from issuer.issuing.errors import InvalidInputError
from registry.tabular import TableError
from verify.http.errors import Handler


def _answer(status: int, message: str, **extra: Any) -> Response[Any]:
    return Response({"status": status, "error": message, **extra}, status_code=status, media_type=MediaType.JSON)


def _forbidden(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    return _answer(403, str(exc))


def _state(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    return _answer(409, str(exc))


def _upload(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, UploadError)
    return _answer(exc.status, str(exc), code=exc.code)


def _invalid(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, InvalidInputError)
    return _answer(400, str(exc), field=exc.field, code=exc.code)


def _table(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, TableError)
    return _answer(422, str(exc), code=exc.code)


ISSUER_EXCEPTION_HANDLERS: dict[type[Exception] | int, Handler] = {
    Forbidden: _forbidden,
    BatchStateError: _state,
    UploadError: _upload,
    TableError: _table,
    InvalidInputError: _invalid,
}
