"""The one table that turns exceptions into HTTP answers (bilingual messages, never a traceback).

A ``500`` is logged with its traceback and answered with a fixed message; nothing internal is echoed.
"""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Callable
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, LitestarException, SerializationException, ValidationException
from litestar.handlers import HTTPRouteHandler
from litestar.params import ParameterKwarg
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from registry.errors import ConflictError, NotFoundError, RegistryError
from registry.i18n import split_bilingual
from registry.log.errors import LogCorruptError, LogRangeError
from verify.errors import NotAvailableError, ServiceUnavailableError, VerifyError
from verify.http.choices import Choices, enum_choices
from verify.http.edge import route_of
from verify.http.pathparams import unparsed_message, unparsed_path_parameter
from verify.http.problems import PROBLEM_JSON, problem_bytes, split_message
from verify.http.responses import RawResponse
from verify.runtime import STATE_KEY, VerifyRuntime
from verify.texts import lang_of

logger = logging.getLogger("certreg.http")

Handler = Callable[[Request[Any, Any, Any], Exception], Response[Any]]


class RefusedError(VerifyError):
    """A guard refuses a request with one of the ready answers (401, 429 …) that the routes send as such."""

    def __init__(self, response: RawResponse) -> None:
        super().__init__(f"refused with {response.status_code}")
        self.response = response


def _as_response(raw: RawResponse) -> Response[Any]:
    headers = {k.decode(): v.decode() for k, v in raw.raw_headers if k not in (b"content-type", b"content-length")}
    content_type = next((v for k, v in raw.raw_headers if k == b"content-type"), b"")
    media_type = content_type.decode().split(";")[0] or MediaType.JSON
    return Response(raw.body, status_code=raw.status_code, media_type=media_type, headers=headers)


def _refused(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, RefusedError)
    return _as_response(exc.response)


def _body(status: int, message: str, detail: Any = None) -> Response[Any]:
    """RFC 9457 problem details (:mod:`verify.http.problems`); ``detail`` goes to ``errors``."""
    return Response(problem_bytes(status, message, detail), status_code=status, media_type=PROBLEM_JSON)


def _validation(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """400: a page on the pages for people (a person who opened ``/notice?page=0`` reads no JSON), problem
    details everywhere else."""
    assert isinstance(exc, ValidationException)
    message = _batch_size_message(exc.extra) or validation_message(exc, wire_names(request), enum_choices(request))
    return _bad_request(request, message, exc.extra, page=_person_page(request))


def _bad_request(
    request: Request[Any, Any, Any], message: str, detail: Any = None, *, page: bool = False
) -> Response[Any]:
    """400 with ``message``: as a page in the reader's language when ``page`` (and the runtime started)."""
    runtime = request.app.state.get(STATE_KEY)
    if isinstance(runtime, VerifyRuntime) and page:
        lang = lang_of(request.query_params.get("lang"))
        zh, en = split_message(message)
        return _as_response(runtime.fixed.bad_request_page(lang, zh if lang == "zh" else en))
    return _body(400, message, detail)


def _person_page(request: Request[Any, Any, Any]) -> bool:
    """A page for people (its route is left out of the API document) that the client opens as a page."""
    handler = request.scope.get("route_handler")
    return isinstance(handler, HTTPRouteHandler) and not handler.resolve_include_in_schema() and _wants_page(request)


#: Where a refused parameter was read from, in Chinese (litestar's ``source`` of each problem).
_SOURCE_ZH = {"query": "查询参数", "path": "路径参数", "body": "请求体", "header": "请求头", "cookie": "Cookie"}
_FIELD_NAMED = re.compile(r"field `([^`]+)`")
_PROBLEM_KEYS = ("message", "key", "source")
_MISSING_PARAMETER = re.compile(r"Missing required (\w+) parameter '([^']+)'")


def wire_names(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The names the client types for the route's parameters whose Python name differs (``?state=`` of
    ``batch_state``): litestar's problems name the Python one."""
    handler = request.scope.get("route_handler")
    if not isinstance(handler, HTTPRouteHandler):
        return {}
    names = {}
    for key, parameter in handler.parsed_fn_signature.parameters.items():
        alias = parameter.kwarg_definition.name if isinstance(parameter.kwarg_definition, ParameterKwarg) else None
        if alias and alias != key:
            names[key] = alias
    return names


_TYPES_ZH = {"int": "整数", "str": "文本", "bool": "true 或 false", "array": "数组", "object": "对象", "float": "数字"}
_BOUNDS_ZH = {">=": "不小于", "<=": "不大于", ">": "大于", "<": "小于"}
_INT_BOUND = re.compile(r"Expected `int` (>=|<=|>|<) (-?\d+)$")
_LENGTH_BOUND = re.compile(r"Expected `(str|array)` of length (>=|<=) (\d+)$")
_WRONG_TYPE = re.compile(r"Expected `(\w+)(?: \| null)?`, got `\w+`$")


def _constraint_zh(message: str) -> str:
    """The Chinese of msgspec's constraint the value broke (``Expected `int` >= 1`` → 须为不小于 1 的整数), after a
    colon; empty when it has none: the Chinese half said only '路径参数 batch_id 无效' where the English named
    the bound."""
    if match := _INT_BOUND.match(message):
        return f"：须为{_BOUNDS_ZH[match.group(1)]} {match.group(2)} 的整数"
    if match := _LENGTH_BOUND.match(message):
        most = "最多" if match.group(2) == "<=" else "至少"
        return f"：{most} {match.group(3)} {'个字符' if match.group(1) == 'str' else '项'}"
    if (match := _WRONG_TYPE.match(message)) and match.group(1) in _TYPES_ZH:
        return f"：须为{_TYPES_ZH[match.group(1)]}"
    return ""


def validation_message(
    exc: ValidationException, wire_names: dict[str, str] | None = None, choices: Choices | None = None
) -> str:
    """The bilingual message of a refused parameter or body, naming each field and where it was read, and for
    an enum field the values it takes (``choices``, :func:`verify.http.choices.enum_choices`).

    Litestar's own detail quotes the whole URL, query string included ("Validation failed for GET
    /notice?page=-1&name=…"): whatever else the client put in it — a name, a document number — would be
    echoed into the answer (DEVELOPERS.md: no personal data in an error message), so it is never used."""
    missing = _MISSING_PARAMETER.match(exc.detail)
    if missing is not None:
        source, name = missing.groups()
        return f"缺少{_SOURCE_ZH.get(source, '参数')} {name} / invalid request: missing {source} parameter {name!r}"
    zh: list[str] = []
    en: list[str] = []
    for problem in exc.extra if isinstance(exc.extra, list) else ():
        if not isinstance(problem, dict):
            continue
        message, key, source = (str(getattr(v, "value", v)) for v in (problem.get(k, "") for k in _PROBLEM_KEYS))
        whole = source == "body" and key == "data"  # the body as a whole, not one of its fields
        allowed = choices(source, key) if choices is not None and message.startswith("Invalid enum value") else ()
        key = (wire_names or {}).get(key, key)
        where = "请求体" if whole else f"{_SOURCE_ZH.get(source, '参数')} {key} "
        named = _FIELD_NAMED.search(message)
        if message.startswith("Object missing required field") and named:
            zh.append(f"{where}缺少字段 {named.group(1)}")
        elif message.startswith("Object contains unknown field") and named:
            zh.append(f"{where}含未知字段 {named.group(1)}")
        elif whole and message == "'data'":
            zh.append("缺少请求体")
            message = "the request body is missing"
        elif allowed:
            zh.append(f"{where}无效：须为以下之一：{', '.join(allowed)}")
            message = f"{message} (one of: {', '.join(allowed)})"
        elif halves := split_bilingual(message):  # a check of our own (a schema's __post_init__) says both
            zh.append(f"{'请求体' if whole else where}无效：{halves[0]}")
            message = halves[1]
        else:
            zh.append("请求体格式不符" if whole else f"{where}无效{_constraint_zh(message)}")
        en.append(message if whole else f"{key} ({source or 'parameter'}): {message}")
    if not zh:
        return "请求参数无效 / invalid request"
    return f"请求参数无效：{'；'.join(zh)} / invalid request: {'; '.join(en)}"


_ARRAY_LENGTH = re.compile(r"Expected `array` of length (<=|>=) (\d+)")


def _batch_size_message(extra: Any) -> str | None:
    """The precise bilingual message of a batch with too many or too few items (msgspec says it in English
    only, and the generic Chinese would not name the limit)."""
    for problem in extra if isinstance(extra, list) else ():
        if not isinstance(problem, dict) or problem.get("key") != "items":
            continue
        match = _ARRAY_LENGTH.match(str(problem.get("message", "")))
        if match is None:
            continue
        bound = match.group(2)
        if match.group(1) == "<=":
            return f"一次最多查验 {bound} 张证书 / a batch holds at most {bound} items"
        return f"一次至少查验 {bound} 张证书 / a batch holds at least {bound} item(s)"
    return None


#: Chinese for the framework's own client errors, whose detail is English only.
_HTTP_ZH = {400: "请求参数无效", 404: "未找到", 405: "不支持该请求方法", 413: "请求内容过大", 415: "不支持的内容类型"}


#: Paths whose answers are JSON whatever the client accepts; everything else is a page a person may open.
_API_PREFIXES = ("/v1/", "/health/", "/metrics", "/schema")


def path_parameter_refusal(request: Request[Any, Any, Any], exc: HTTPException) -> str | None:
    """The 400 message for the router's 404 of a real route whose typed path parameter could not take its
    segment (``/v1/batches/abc``), else ``None``; the staff console pages the same words."""
    if exc.status_code != 404 or not isinstance(exc.__cause__, ValueError):
        return None
    unparsed = unparsed_path_parameter(request.app, request.method, request.scope["path"])
    return None if unparsed is None else unparsed_message(*unparsed)


def _http(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, HTTPException)
    unparsed = path_parameter_refusal(request, exc)
    if unparsed is not None:  # a real route, a segment not of its type: the router's 404 would mislead
        return _bad_request(request, unparsed, page=_wants_page(request))
    if exc.status_code == 404 and _wants_page(request):
        page = _missing_page(request)
        if page is not None:
            return page
    response = _body(exc.status_code, http_message(request, exc), exc.extra or None)
    response.headers.update(exc.headers or {})
    return response


def http_message(request: Request[Any, Any, Any], exc: HTTPException) -> str:
    """The Chinese / English message of the framework's own client error (its detail is English only); the
    staff console pages the same words (``issuer.console.app``), so a browser and a script read one text."""
    message = exc.detail
    if exc.status_code == 400 and "invalid utf-8" in message.lower():
        # msgspec >= 0.23 reports invalid UTF-8 itself (a DecodeError) instead of raising UnicodeDecodeError.
        message = _UNDECODABLE[UnicodeDecodeError]
    elif exc.status_code == 400 and isinstance(exc.__cause__, SerializationException):
        # litestar's decoder said what is wrong with the body in English ("Input data was truncated"); the
        # Chinese says what it is about, not just "bad request"
        message = _not_json(request, message)
    elif exc.status_code == 413 and (limit := _body_limit(request)) is not None:
        message = f"请求内容过大（上限 {limit:,} 字节） / {message} (the limit is {limit:,} bytes)"
    elif exc.status_code in _HTTP_ZH and " / " not in message:
        message = f"{_HTTP_ZH[exc.status_code]} / {message}"
    return message


def _not_json(request: Request[Any, Any, Any], said: str) -> str:
    """A body the JSON decoder refused; when it was sent as something else (an HTML form's or multipart
    encoding), what was sent and what to send: "invalid character (byte 0)" had the client look for a fault in
    JSON it never sent. The type alone does not refuse a body: JSON sent as ``curl -d`` sends it is read."""
    sent = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not sent or "json" in sent or len(sent) > 100 or not sent.isascii() or not sent.isprintable():
        return f"请求体不是有效的 JSON / {said}"
    return (
        f"请求体不是有效的 JSON（收到的是 {sent}，请以 JSON 发送，Content-Type: application/json） / "
        f"{said} (the body was sent as {sent}; send JSON, with Content-Type: application/json)"
    )


def _body_limit(request: Request[Any, Any, Any]) -> int | None:
    """The largest body the route takes (litestar's 413 says only "Request Entity Too Large"), if known."""
    try:
        limit = request.route_handler.resolve_request_max_body_size()
    except (KeyError, AttributeError, LitestarException):  # no route resolved yet: say no number
        return None
    return limit if isinstance(limit, int) and limit > 0 else None


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


def _wants_page(request: Request[Any, Any, Any]) -> bool:
    """A page unless the path is the API's or the client asked for JSON and not for HTML."""
    if request.url.path.startswith(_API_PREFIXES):
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept or "application/json" not in accept


def _missing_page(request: Request[Any, Any, Any]) -> Response[Any] | None:
    """The "no such page" page of the verify runtime (``None`` before it started)."""
    runtime = request.app.state.get(STATE_KEY)
    if not isinstance(runtime, VerifyRuntime):
        return None
    return _as_response(runtime.fixed.missing_page[lang_of(request.query_params.get("lang"))])


def _bad_range(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A leaf index, tree size or range outside the log: the client's mistake."""
    return _body(400, str(exc))


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


def _log_incomplete(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The stored log has a hole: the server's fault, said plainly; what is missing goes to the log file."""
    logger.error("transparency log incomplete on %s %s: %s", request.method, route_of(request.scope), exc)
    response = _body(503, "日志数据不完整 / the log is incomplete")
    response.headers["Cache-Control"] = "no-store"
    return response


#: What a route meets when the database is down, unreachable or ends the connection: asyncpg's refused or
#: reset connection (an ``OSError``, a DNS failure), a timeout, SQLAlchemy's connection errors and a full pool.
DATABASE_OUTAGES: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    PoolTimeoutError,
    DBAPIError,
    ConnectionError,
    TimeoutError,
    socket.gaierror,
)
DATABASE_DOWN_MESSAGE = "数据库暂时不可用，请稍后重试 / the database is unavailable right now; retry later"


def database_down(exc: BaseException) -> bool:
    """Whether ``exc`` (one of :data:`DATABASE_OUTAGES`) says the database cannot be reached, not that a
    statement was wrong: any other ``DBAPIError`` (a constraint, a bad query) is a bug, answered 500."""
    if isinstance(exc, DBAPIError):
        return isinstance(exc, OperationalError | InterfaceError) or exc.connection_invalidated
    return True


def database_retry_after(request: Request[Any, Any, Any]) -> int:
    """``Retry-After`` of a database outage: ``CERTREG_RETRY_AFTER_SECONDS`` (5 before the runtime started)."""
    runtime = request.app.state.get(STATE_KEY)
    return runtime.settings.database.retry_after_seconds if isinstance(runtime, VerifyRuntime) else 5


def log_database_down(request: Request[Any, Any, Any], exc: BaseException) -> None:
    """One line naming the route template and the error's types, never its text: a driver's message can quote
    a statement's parameters (a name, a document number)."""
    cause = getattr(exc, "orig", None) or exc.__cause__
    logger.warning(
        "database unavailable on %s %s: %s%s",
        request.method,
        route_of(request.scope),
        type(exc).__name__,
        f" ({type(cause).__name__})" if cause is not None else "",
    )


def _database_unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """503 with Retry-After when the database cannot be reached (DEVELOPERS.md: never a 500 for it)."""
    if not database_down(exc):
        return _internal(request, exc)
    log_database_down(request, exc)
    response = _body(503, DATABASE_DOWN_MESSAGE)
    response.headers["Retry-After"] = str(database_retry_after(request))
    response.headers["Cache-Control"] = "no-store"
    return response


def _internal(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # the route template, never the path: a QR token in a path encodes the holder's name
    logger.exception("unhandled error on %s %s", request.method, route_of(request.scope), exc_info=exc)
    return _body(500, "服务器内部错误 / internal server error")


EXCEPTION_HANDLERS: dict[type[Exception] | int, Handler] = {
    ValidationException: _validation,
    HTTPException: _http,
    NotFoundError: _not_found,
    NotAvailableError: _not_found,
    ConflictError: _conflict,
    RegistryError: _registry,
    LogRangeError: _bad_range,
    LogCorruptError: _log_incomplete,
    ServiceUnavailableError: _unavailable,
    RefusedError: _refused,
    UnicodeDecodeError: _undecodable,
    RecursionError: _undecodable,
    **dict.fromkeys(DATABASE_OUTAGES, _database_unavailable),
    Exception: _internal,
}
