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


#: Why a body could not be decoded, for the errors the JSON decoder raises as something other than a
#: ``SerializationException`` (litestar turns only msgspec's own DecodeError into a 400).
_UNDECODABLE = {
    UnicodeDecodeError: "请求体不是有效的 JSON（含无效 UTF-8 字节）"
    "/ the request body is not valid JSON (invalid UTF-8)",
    RecursionError: "请求体不是有效的 JSON（嵌套层数过深）/ the request body is not valid JSON (nested too deeply)",
}


def _undecodable(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """400 for a body the JSON decoder gave up on; anything else of these types is a bug (500)."""
    if not _raised_decoding(exc):
        return _internal(request, exc)
    return _body(400, _UNDECODABLE[UnicodeDecodeError if isinstance(exc, UnicodeDecodeError) else RecursionError])


def _raised_decoding(exc: Exception) -> bool:
    """Whether ``exc`` came out of litestar's JSON decoding of a request body."""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_name == "decode_json":
            return True
        tb = tb.tb_next
    return False


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
    UnicodeDecodeError: _undecodable,
    RecursionError: _undecodable,
    Exception: _internal,
}
