"""The API documentation at ``/schema``, rendered by Redoc served from this package (no CDN, no web fonts),
so that it is readable on a machine without internet access (issue 10, item 13).

The pages under ``/schema`` also carry a Content-Security-Policy that allows this site only. Redoc's bundle
names one image on its vendor's CDN (the "API docs by Redocly" logo): the bundle is served with that address
replaced by an empty ``data:`` image (which hides itself, as it does when it cannot load). The policy alone
stopped the fetch, but the browser still asked for it, and logged a policy violation, on every load.
"""

from __future__ import annotations

import functools
import gzip
from dataclasses import dataclass
from importlib.resources import files
from typing import Any, Final

from litestar import Request, Response, Router, route
from litestar.enums import HttpMethod
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import RedocRenderPlugin
from litestar.openapi.spec import Example, Operation, RequestBody
from litestar.params import ParameterKwarg
from litestar.routes import HTTPRoute
from litestar.types import Receive, Send

from verify.http.head import get
from verify.http.middleware import HttpMiddleware, setting_headers
from verify.http.problems import example_value

#: Where the vendored Redoc bundle is served (see ``verify/http/static/README.md``).
REDOC_PATH: Final = "/schema/assets/redoc.standalone.js"
#: The bundle is stored gzipped (under a third of its size) and sent gzipped to every browser that accepts gzip.
_REDOC_GZ: Final = files("verify.http") / "static" / "redoc.standalone.js.gz"


def openapi_config(title: str) -> OpenAPIConfig:
    """The OpenAPI settings of an app: the document at ``/schema/openapi.json``, Redoc at ``/schema``."""
    return OpenAPIConfig(
        title=title,
        version="1",
        path="/schema",
        use_handler_docstrings=True,  # a route without its own description is described by its docstring
        render_plugins=[
            RedocWithHead(
                js_url=REDOC_PATH, google_fonts=False, path="/redoc", favicon="<link rel='icon' href='data:,'>"
            )
        ],
    )


class RedocWithHead(RedocRenderPlugin):
    """Redoc, and ``HEAD`` on every route of the documents' router (:mod:`verify.http.head`).

    Litestar builds the ``/schema`` routes itself with ``GET`` alone, so a link checker's ``HEAD`` on
    ``/schema/openapi.json`` got 405 where every other page answers; each gets a ``HEAD`` twin here, calling
    the same function (the body is dropped by :class:`verify.http.head.HeadWithoutBody`).

    Litestar also catches every other path under ``/schema`` (``/schema/swagger``, ``/schema/rapidoc``: the
    renderers it did not set up) with a page of its own that says "Error 404" in English alone; that route is
    dropped, so such a path is an unknown path like any other: the bilingual "no such page" page, or JSON for a
    client that accepts only JSON."""

    def receive_router(self, router: Router) -> None:
        super().receive_router(router)
        catch_all = f"{router.path}/{{path:str}}"
        router.routes = [r for r in router.routes if r.path != catch_all]
        handlers = [h for r in router.routes if isinstance(r, HTTPRoute) for h in r.route_handlers]
        for handler in handlers:
            if HttpMethod.GET in handler.http_methods and HttpMethod.HEAD not in handler.http_methods:
                twin = route(
                    list(handler.paths),
                    http_method=[HttpMethod.HEAD],
                    media_type=handler.media_type,
                    sync_to_thread=False,
                    include_in_schema=False,
                )
                router.register(twin(handler.fn))


def bounded(
    ge: int, le: int, *, kind: type[ParameterKwarg] = ParameterKwarg, description: str | None = None
) -> ParameterKwarg:
    """An integer parameter from ``ge`` to ``le`` (``kind``: ``QueryParameter`` to pin it to the query), with the
    bounds written in the document as the integers they are. litestar writes a parameter's ``ge`` and ``le`` as
    floats: 2**63 - 1, the largest batch id, became ``9.223372036854776e+18`` (above what the server takes, so a
    client that sent the documented maximum got a 400), and a page size ``1000.0``."""
    return kind(ge=ge, le=le, description=description, schema_extra={"minimum": ge, "maximum": le})


def request_example(example: Any, form: RequestBody | None = None) -> type[Operation]:
    """An ``operation_class`` for a route decorator: the operation litestar generates, with ``example`` as the
    example of its request body (or ``form`` as the body: a multipart upload the handler reads itself)."""
    value = example_value(example)

    @dataclass
    class WithRequestExample(Operation):
        def __post_init__(self) -> None:
            if form is not None:
                self.request_body = form
            elif isinstance(self.request_body, RequestBody):
                for media in self.request_body.content.values():
                    media.examples = {"request": Example(summary="请求示例 / example", value=value)}

    return WithRequestExample


@dataclass
class NoValidationError(Operation):
    """The ``operation_class`` of a route whose parameters cannot be refused (a path segment read as text):
    litestar documents a 400 for every route with parameters, and ``GET /v1/qr/{token}`` never answers one (a
    bad token is a verdict), so a client reading the document would handle an answer that never comes."""

    def __post_init__(self) -> None:
        if self.responses is not None:
            self.responses.pop("400", None)


#: The one address on another site the bundle names, and what is served in its place.
_VENDOR_LOGO: Final = (b'src:"https://cdn.redoc.ly/redoc/logo-mini.svg"', b'src:"data:,"')


@functools.cache
def _redoc_plain() -> bytes:
    return gzip.decompress(_REDOC_GZ.read_bytes()).replace(*_VENDOR_LOGO)


@functools.cache
def _redoc_gzipped() -> bytes:
    return gzip.compress(_redoc_plain(), compresslevel=9, mtime=0)


@get(REDOC_PATH, include_in_schema=False, sync_to_thread=False)
def redoc_bundle(request: Request[Any, Any, Any]) -> Response[bytes]:
    """The Redoc bundle, gzipped for a client that accepts it (every browser), else plain; it changes only
    with a release, so browsers may keep it for a day."""
    headers = {"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff", "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", "").lower():
        return Response(
            _redoc_gzipped(), media_type="application/javascript", headers=headers | {"Content-Encoding": "gzip"}
        )
    return Response(_redoc_plain(), media_type="application/javascript", headers=headers)


#: Redoc needs inline script and style (its page and its styled components) and a worker made from a blob.
DOCS_POLICY: Final = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; font-src 'self' data:; "
    "base-uri 'none'; frame-ancestors 'none'"
)


class DocsPolicy(HttpMiddleware):
    """ASGI middleware: the :data:`DOCS_POLICY` header on every answer under ``/schema``."""

    def takes(self, http: Any) -> bool:
        return bool(http["path"].startswith("/schema"))

    async def handle(self, http: Any, receive: Receive, send: Send) -> None:
        await self.app(http, receive, setting_headers(send, [(b"content-security-policy", DOCS_POLICY.encode())]))
