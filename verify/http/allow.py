"""``Allow`` on the answer to ``OPTIONS``: every method of the route the request reached.

litestar 2 makes a path's ``OPTIONS`` handler when the path's first handler is registered and keeps it, with
that handler's methods, when more handlers join the path (litestar-org/litestar#4169, fixed in litestar 3). A
controller registers its handlers one at a time, so ``OPTIONS /v1/batches`` answered ``Allow: GET, OPTIONS``
(the upload, ``POST``, left out), the console's forms left out their ``POST``, and the API documents their
``HEAD`` (:mod:`verify.http.apidocs`). A client that reads ``Allow`` (an OpenAPI fuzzer does) took the
documented upload for a method the server refuses. :class:`RouteAllow` sets ``Allow`` from the route itself.
"""

from __future__ import annotations

from typing import Any

from litestar.routes import HTTPRoute
from litestar.types import Receive, Send

from verify.http.middleware import HttpMiddleware, setting_headers


def allowed_methods(app: Any, template: str) -> bytes:
    """The ``Allow`` value of the route of ``app`` whose path template is ``template`` (as routing sets it in
    the scope's ``path_template``): its methods, sorted as litestar sorts them."""
    for route in app.routes:
        if isinstance(route, HTTPRoute) and route.path_format == template:
            return ", ".join(sorted(route.methods)).encode()
    return b"OPTIONS"  # not reached: an OPTIONS answer always belongs to a route


class RouteAllow(HttpMiddleware):
    """App-wide middleware: the ``Allow`` of every ``OPTIONS`` answer lists all methods of its route. A route
    handler's middleware stack serves one route, so the value is looked up once."""

    def __init__(self, app: Any) -> None:
        super().__init__(app)
        self._allow: bytes | None = None

    def takes(self, http: Any) -> bool:
        return bool(http["method"] == "OPTIONS")

    async def handle(self, http: Any, receive: Receive, send: Send) -> None:
        if self._allow is None:
            self._allow = allowed_methods(http["app"], http["path_template"])
        await self.app(http, receive, setting_headers(send, [(b"allow", self._allow)]))
