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
from collections.abc import Iterable
from dataclasses import dataclass, replace
from importlib.resources import files
from typing import TYPE_CHECKING, Any, Final

import msgspec
from litestar import Request, Response, Router, route
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.enums import HttpMethod
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import RedocRenderPlugin
from litestar.openapi.spec import Example, OpenAPIType, Operation, Parameter, Reference, RequestBody, Schema
from litestar.params import ParameterKwarg
from litestar.routes import HTTPRoute
from litestar.types import Receive, Send

from verify.http.head import get
from verify.http.middleware import HttpMiddleware, setting_headers
from verify.http.problems import example_value

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.typing import FieldDefinition

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


class StrictStructSchema(StructSchemaPlugin):
    """Each request struct the server decodes strictly (``forbid_unknown_fields``) documented by msgspec's own
    JSON schema of it, which is what msgspec enforces: ``additionalProperties: false`` and every ``Meta``
    bound. litestar's schema of a struct left out all three of: ``additionalProperties`` (an unknown field is a
    400), a bound of 0 (it drops falsy ones: ``days`` said no minimum, the server refuses -1) and the bounds of
    a list's items (``rows[]`` said any integer, the server refuses 0). litestar still builds the component
    (its title, description and the components its properties refer to); each property's schema is then
    msgspec's, its references the ones litestar made. Registered before litestar's own struct plugin
    (:func:`schema_plugins`), so it is asked first."""

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        return super().is_plugin_supported_field(field_definition) and bool(
            getattr(field_definition.type_, "__struct_config__", None)
            and field_definition.type_.__struct_config__.forbid_unknown_fields
        )

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        ((own,), components) = msgspec.json.schema_components([field_definition.type_], ref_template="{name}")
        strict = components[own["$ref"]]
        properties = schema.properties or {}
        schema.properties = {
            name: _with_references(part, _references(schema_creator, properties[name]), name)
            for name, part in strict["properties"].items()
        }
        schema.additional_properties = strict["additionalProperties"]  # False: the structs taken are strict
        return schema


def _references(creator: SchemaCreator, schema: Schema | Reference) -> dict[str, Reference]:
    """The references in one of litestar's property schemas, by the name of the type they point to."""
    if isinstance(schema, Reference):
        return {creator.schema_registry.from_reference(schema).key[-1]: schema}
    found: dict[str, Reference] = {}
    for part in (schema.items, *(schema.one_of or ()), *(schema.any_of or ()), *(schema.all_of or ())):
        if isinstance(part, Schema | Reference):
            found |= _references(creator, part)
    return found


def _with_references(part: Any, references: dict[str, Reference], name: str) -> Any:
    """msgspec's schema ``part`` with each ``{"$ref": component}`` replaced by litestar's reference to it
    (litestar names and renames components; its references follow)."""
    if isinstance(part, dict):
        if "$ref" in part:
            if part["$ref"] not in references:
                raise LookupError(f"OpenAPI: no component {part['$ref']!r} for the property {name!r}")
            return references[part["$ref"]]
        return {key: _with_references(value, references, name) for key, value in part.items()}
    if isinstance(part, list):
        return [_with_references(value, references, name) for value in part]
    return part


def schema_plugins() -> list[StrictStructSchema]:
    """The schema plugins of an app with an API document: passed in ``Litestar(plugins=…)``, they come before
    litestar's own (which it appends)."""
    return [StrictStructSchema()]


def bounded(
    ge: int, le: int, *, kind: type[ParameterKwarg] = ParameterKwarg, description: str | None = None
) -> ParameterKwarg:
    """An integer parameter from ``ge`` to ``le`` (``kind``: ``QueryParameter`` to pin it to the query), with the
    bounds written in the document as the integers they are. litestar writes a parameter's ``ge`` and ``le`` as
    floats: 2**63 - 1, the largest batch id, became ``9.223372036854776e+18`` (above what the server takes, so a
    client that sent the documented maximum got a 400), and a page size ``1000.0``."""
    return kind(ge=ge, le=le, description=description, schema_extra={"minimum": ge, "maximum": le})


def request_example(example: Any, form: RequestBody | None = None, required: Iterable[str] = ()) -> type[Operation]:
    """An ``operation_class`` for a route decorator: the operation litestar generates, with ``example`` as the
    example of its request body (or ``form`` as the body: a multipart upload the handler reads itself), and
    the query parameters named in ``required`` documented required: parameters the handler takes as optional
    (to refuse a missing one with its own message) but refuses without (``test-print``'s ``kind`` said
    optional, and leaving it out was a 400)."""
    value = example_value(example)
    needed = frozenset(required)

    @dataclass
    class WithRequestExample(Operation):
        def __post_init__(self) -> None:
            if form is not None:
                self.request_body = form
            elif isinstance(self.request_body, RequestBody):
                for media in self.request_body.content.values():
                    media.examples = {"request": Example(summary="请求示例 / example", value=value)}
            for parameter in self.parameters or ():
                if isinstance(parameter, Parameter) and parameter.name in needed:
                    parameter.required = True
                    parameter.schema = _without_null(parameter.schema)

    return WithRequestExample


def _without_null(schema: Schema | Reference | None) -> Schema | Reference | None:
    """A parameter's schema without its ``null`` alternative (a query parameter is text or absent)."""
    if not isinstance(schema, Schema) or not schema.one_of:
        return schema
    kept = [part for part in schema.one_of if not (isinstance(part, Schema) and part.type == OpenAPIType.NULL)]
    if len(kept) != 1 or not isinstance(kept[0], Schema):
        return schema
    return replace(kept[0], enum=schema.enum, description=schema.description, pattern=schema.pattern)


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
