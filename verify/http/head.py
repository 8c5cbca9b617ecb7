"""``HEAD`` on every ``GET`` route: the same status and headers, no body.

Link checkers, uptime monitors and caches ask with ``HEAD``; litestar answers 405 unless a route lists the
method, and it sends whatever body the handler made. So the verify routes are declared with :func:`get`
(``GET`` and ``HEAD``), and :class:`HeadWithoutBody`, an app-wide middleware, drops the body of every
answer to a ``HEAD`` request (``Content-Length`` stays: it is what a ``GET`` would have sent).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import route
from litestar.enums import HttpMethod
from litestar.handlers import HTTPRouteHandler
from litestar.types import Message, Receive, Send

from verify.http.middleware import HttpMiddleware


def get(path: str | list[str] | None = None, **kwargs: Any) -> HTTPRouteHandler:
    """Like ``litestar.get``, answering ``HEAD`` too. An ``operation_id`` names the ``GET``; its ``HEAD`` is
    the same name with ``Head`` after it (OpenAPI operation ids are unique per method)."""
    name = kwargs.pop("operation_id", None)
    if isinstance(name, str):
        kwargs["operation_id"] = _per_method(name)
    return route(path, http_method=[HttpMethod.GET, HttpMethod.HEAD], **kwargs)


def _per_method(name: str) -> Callable[[Any, Any, Any], str]:
    def operation_id(_: Any, method: Any, __: Any) -> str:
        return name if str(method).upper().endswith("GET") else f"{name}Head"

    return operation_id


class HeadWithoutBody(HttpMiddleware):
    """Sends only the start of an answer to a ``HEAD`` request."""

    def takes(self, http: Any) -> bool:
        return bool(http["method"] == "HEAD")

    async def handle(self, http: Any, receive: Receive, send: Send) -> None:
        async def send_no_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app(http, receive, send_no_body)
