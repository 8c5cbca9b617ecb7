"""The outermost layer of both apps: the real client address, before anything looks at it.

It wraps litestar's whole ASGI handler (not a route middleware), so every request passes it, a 404 included,
and the fast lane, the controllers and the rate limits all read the client from ``scope["client"]`` as
rewritten here (:mod:`verify.http.clientip`).
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.types import ASGIApp, Receive, Scope, Send

from registry.config import Settings
from verify.http.clientip import TrustedProxies


class Edge:
    """ASGI middleware: ``scope["client"]`` becomes the client behind trusted proxies."""

    def __init__(self, app: ASGIApp, proxies: TrustedProxies) -> None:
        self.app = app
        self.proxies = proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        http: Any = scope
        if self.proxies.enabled and http["type"] in ("http", "websocket") and http.get("client"):
            peer = http["client"][0]
            client = self.proxies.client(peer, http["headers"])
            if client != peer:
                http["client"] = (client, 0)
        await self.app(scope, receive, send)


def install_edge(settings: Settings) -> Any:
    """An ``on_startup`` hook that wraps ``app``'s ASGI handler in :class:`Edge` (once per app object).

    Litestar offers no app-level hook around its exception handling and 404s; replacing ``asgi_handler``
    before the first request is what its own OpenTelemetry plugin amounts to.
    """
    proxies = TrustedProxies(settings.trusted_networks(), settings.proxy_header)

    def _install(app: Litestar) -> None:
        if not isinstance(app.asgi_handler, Edge):
            app.asgi_handler = Edge(app.asgi_handler, proxies)

    return _install
