"""The outermost layer of both apps: the real client address, the request id and the access log.

It wraps litestar's whole ASGI handler (not a route middleware), so every request passes it, a 404 included:

* the client address behind trusted proxies (:mod:`verify.http.clientip`) replaces ``scope["client"]``
  before the fast lane, the controllers or the rate limits read it;
* the request id: the caller's ``X-Request-ID`` when it is a sane token, else a new one; bound to every log
  line of the request and returned in the response's ``X-Request-ID``;
* one access-log line per request, with the route *template* (``/Q/{token}``), never the raw path or the
  query string, which carry names and tokens (:mod:`registry.observability.logs`).
"""

from __future__ import annotations

import ipaddress
import re
import time
import uuid
from collections.abc import Callable
from typing import Any, Final

import structlog
from litestar import Litestar
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from registry.config import Settings
from registry.observability.logs import get_logger
from verify.http.clientip import TrustedProxies, parse_address
from verify.runtime import STATE_KEY, VerifyRuntime

#: What an upstream request id may look like to be kept (a UUID, a load balancer's trace id); anything
#: else (too long, spaces, non-ASCII, a name) is replaced, so the log line never carries a caller's text.
_SANE_ID: Final = re.compile(rb"[A-Za-z0-9._:-]{1,64}")
_REQUEST_ID: Final = b"x-request-id"
#: The route of a request that matched none (its raw path is never logged).
UNROUTED: Final = "(unrouted)"

#: Called once per request with (method, route template, status, seconds); the metrics hook of issue 17.
Observer = Callable[[str, str, int, float], None]

access_log = get_logger("certreg.access")


def request_id(headers: list[tuple[bytes, bytes]]) -> str:
    """The caller's ``X-Request-ID`` when it is sane, else a new random one."""
    for name, value in headers:
        if name == _REQUEST_ID and _SANE_ID.fullmatch(value):
            return value.decode("ascii")
    return uuid.uuid4().hex


def route_of(scope: Any) -> str:
    """The route template litestar matched (``/Q/{token:str}``), never the path the client sent."""
    template = scope.get("path_template")
    return str(template) if template else UNROUTED


def client_network(host: str | None) -> str:
    """The client's /24 (IPv4) or /48 (IPv6): enough to see abuse from one network, not to name a person."""
    address = parse_address(host or "")
    if address is None:
        return "unknown"
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


class Edge:
    """ASGI middleware around litestar's handler; see the module docstring."""

    def __init__(
        self, app: ASGIApp, proxies: TrustedProxies, *, access: bool = True, observers: list[Observer] | None = None
    ) -> None:
        self.app = app
        self.proxies = proxies
        self.access = access
        self.observers = observers if observers is not None else []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        http: Any = scope
        if http["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.proxies.enabled and http.get("client"):
            peer = http["client"][0]
            client = self.proxies.client(peer, http["headers"])
            if client != peer:
                http["client"] = (client, 0)
        rid = request_id(http["headers"])
        header = (_REQUEST_ID, rid.encode("ascii"))
        status = 500  # what the client gets when the app dies before it answers
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=rid):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                seconds = time.perf_counter() - started
                route = route_of(http)
                for observe in self.observers:
                    observe(http["method"], route, status, seconds)
                if self.access:
                    access_log.info(
                        "request",
                        method=http["method"],
                        route=route,
                        status=status,
                        ms=round(seconds * 1000, 2),
                        client=client_network((http.get("client") or ("",))[0]),
                    )


def install_edge(settings: Settings) -> Any:
    """An ``on_startup`` hook that wraps ``app``'s ASGI handler in :class:`Edge` (once per app object), with
    the worker's metrics as its observer.

    Litestar offers no app-level hook around its exception handling and 404s; replacing ``asgi_handler``
    before the first request is what its own OpenTelemetry plugin amounts to. Startup hooks run after the
    lifespan managers, so the worker's runtime exists by then.
    """
    proxies = TrustedProxies(settings.server.trusted_networks(), settings.server.proxy_header)

    def _install(app: Litestar) -> None:
        runtime = app.state.get(STATE_KEY)
        observers: list[Observer] = [runtime.metrics.observe_http] if isinstance(runtime, VerifyRuntime) else []
        if isinstance(app.asgi_handler, Edge):
            app.asgi_handler.observers = observers  # a new lifespan of the same app: its new runtime
        else:
            app.asgi_handler = Edge(app.asgi_handler, proxies, access=settings.server.access_log, observers=observers)

    return _install
