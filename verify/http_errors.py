"""The one table that turns exceptions into HTTP answers (bilingual messages, never a traceback).

A ``500`` is logged with its traceback and answered with a fixed message; nothing internal is echoed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException

from registry.errors import ConflictError, NotFoundError, RegistryError
from verify.errors import ServiceUnavailableError

logger = logging.getLogger("certreg.http")

Handler = Callable[[Request[Any, Any, Any], Exception], Response[Any]]


class ErrorBody(dict[str, Any]):
    """``{"error": "<zh> / <en>", "detail": …}`` — the shape of every error answer."""


def _body(status: int, message: str, detail: Any = None) -> Response[Any]:
    content: dict[str, Any] = {"status": status, "error": message}
    if detail is not None:
        content["detail"] = detail
    return Response(content, status_code=status, media_type=MediaType.JSON)


def _validation(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, ValidationException)
    return _body(400, f"请求参数无效 / invalid request: {exc.detail}", exc.extra)


#: Chinese for the framework's own client errors, whose detail is English only.
_HTTP_ZH = {400: "请求参数无效", 404: "未找到", 405: "不支持该请求方法", 413: "请求内容过大", 415: "不支持的内容类型"}


def _http(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, HTTPException)
    message = exc.detail
    if exc.status_code in _HTTP_ZH and " / " not in message:
        message = f"{_HTTP_ZH[exc.status_code]} / {message[:1].lower()}{message[1:]}"
    response = _body(exc.status_code, message, exc.extra or None)
    response.headers.update(exc.headers or {})
    return response


def _not_found(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    return _body(404, str(exc))


def _conflict(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    return _body(409, str(exc))


def _registry(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    return _body(422, str(exc))


def _unavailable(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, ServiceUnavailableError)
    response = _body(503, str(exc))
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _internal(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _body(500, "服务器内部错误 / internal server error")


EXCEPTION_HANDLERS: dict[type[Exception] | int, Handler] = {
    ValidationException: _validation,
    HTTPException: _http,
    NotFoundError: _not_found,
    ConflictError: _conflict,
    RegistryError: _registry,
    ServiceUnavailableError: _unavailable,
    Exception: _internal,
}
