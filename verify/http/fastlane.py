"""The fast lane: route middleware that hands the common requests of the two hottest routes straight to
the service, before litestar builds a ``Request``, parses parameters and resolves dependencies.

Litestar's parameter machinery costs more per request than a cache hit itself (measured in
``bench/verify.py``), so for

* ``POST /v1/verify`` with a JSON body that decodes to :class:`VerifyQuery` (either mode: number + name, or a
  person look-up) and no API-key header, and
* ``GET /q/{token}`` / ``GET /Q/{token}`` with no query or exactly ``lang=en`` / ``lang=zh``,

the middleware calls the very same service method the controller would, with the same arguments, and sends
its answer. Everything else (API keys, bodies that do not decode, other parameters) goes on to the
controller unchanged, which also owns the OpenAPI documentation. The body read here is replayed to it.
"""

from __future__ import annotations

from typing import Any, Final

import msgspec
from litestar.types import ASGIApp, Receive, Scope, Send

from verify.http.bodies import ambiguity
from verify.runtime import STATE_KEY, VerifyRuntime
from verify.schemas import VerifyQuery
from verify.texts import Lang

_decoder: Final = msgspec.json.Decoder(VerifyQuery)
#: A VerifyQuery is a few strings of at most 64 characters; anything longer is the controller's to refuse.
MAX_BODY: Final = 4096
_KEY_HEADERS: Final = (b"x-api-key", b"authorization")
_LANGS: Final[dict[bytes, Lang]] = {b"": "zh", b"lang=zh": "zh", b"lang=en": "en"}


def _runtime(scope: Scope) -> VerifyRuntime:
    runtime = scope["litestar_app"].state[STATE_KEY]
    assert isinstance(runtime, VerifyRuntime)
    return runtime


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return f"ip:{client[0]}" if client else "ip:unknown"


class VerifyLane:
    """``POST /v1/verify`` without an API key."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        http: Any = scope  # a plain dict; litestar's TypedDict union does not narrow on "type"
        if http["type"] != "http" or http["method"] != "POST":
            await self.app(scope, receive, send)
            return
        body, receive = await _read_body(receive, MAX_BODY)
        request = None
        keyless = not any(name in _KEY_HEADERS for name, _ in http["headers"])
        if body is not None and keyless and ambiguity(body) is None:  # else the controller refuses it
            try:
                request = _decoder.decode(body)
            except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError, RecursionError):
                request = None  # the controller decodes it again and answers the 400
        if request is None:
            await self.app(scope, receive, send)
            return
        runtime = _runtime(scope)
        by_number = request.by_number
        if by_number is not None:
            response = await runtime.service.verify(_client(scope), by_number, None)
        elif runtime.person is not None:
            response = await runtime.person.api(_client(scope), request, None)
        else:
            response = runtime.fixed.person_not_offered_json
        await response(scope, receive, send)


class TokenLane:
    """``GET /q/{token}`` and ``/Q/{token}`` with at most a ``lang`` parameter."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        http: Any = scope
        lang = _LANGS.get(http.get("query_string", b"")) if http["type"] == "http" else None
        if lang is None or http["method"] != "GET":
            await self.app(scope, receive, send)
            return
        token = http["path_params"]["token"]
        response = await _runtime(scope).service.token(_client(scope), token, lang)
        await response(scope, receive, send)


async def _read_body(receive: Receive, limit: int) -> tuple[bytes | None, Receive]:
    """The request body (``None`` once it passes ``limit`` bytes), and a ``receive`` that gives what was
    read again before deferring to the real one, so the controller sees the request whole."""
    chunks: list[Any] = []
    size = 0
    while True:
        message: Any = await receive()
        chunks.append(message)
        if message["type"] != "http.request":
            return None, _replay(chunks, receive)
        size += len(message.get("body", b""))
        if size > limit:
            return None, _replay(chunks, receive)
        if not message.get("more_body", False):
            break
    body = b"".join(m.get("body", b"") for m in chunks)
    return body, _replay([{"type": "http.request", "body": body, "more_body": False}], receive)


def _replay(messages: list[Any], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Any:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay
