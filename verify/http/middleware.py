"""What the app-wide middlewares of the read path share: each takes some HTTP requests and passes every
other request to the app untouched, and two of them only set headers on an answer.

A plain class with ``__init__(app)`` rather than litestar's ``ASGIMiddleware``: that base checks the scope
type, the handler's ``opt`` and path patterns on every request, and these wrap the hottest routes
(``bench/verify.py``); a predicate and one method call cost less.
"""

from __future__ import annotations

import abc
from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send


class HttpMiddleware(abc.ABC):
    """An HTTP request that :meth:`takes` is the subclass's to :meth:`handle`; any other passes through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        http: Any = scope  # a plain dict; litestar's TypedDict union does not narrow on "type"
        if http["type"] == "http" and self.takes(http):
            await self.handle(http, receive, send)
        else:
            await self.app(scope, receive, send)

    @abc.abstractmethod
    def takes(self, http: Any) -> bool:
        """Whether this HTTP request (its scope) is one the middleware acts on."""

    @abc.abstractmethod
    async def handle(self, http: Any, receive: Receive, send: Send) -> None:
        """Answer the request, or pass it on to ``self.app`` with another ``receive`` or ``send``."""


def setting_headers(send: Send, headers: list[tuple[bytes, bytes]]) -> Send:
    """``send`` with ``headers`` (lower-case names) set on the start of the answer, replacing any the app set."""
    names = {name for name, _ in headers}

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            kept = [(name, value) for name, value in message.get("headers", ()) if name.lower() not in names]
            message["headers"] = [*kept, *headers]
        await send(message)

    return send_with_headers
