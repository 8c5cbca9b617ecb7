"""Which typed path parameter of a route a request's path could not take (``/v1/batches/abc``).

Litestar's router parses a ``{batch_id:int}`` segment while it routes and answers a value that is not a number
with 404, as if no such route existed: a client who mistyped a batch id read "not found" and could not tell
a wrong number from a wrong address. The error table (:mod:`verify.http.errors`) asks this module which
parameter it was and answers 400 naming it (docs/verify.md, "Routes").
"""

from __future__ import annotations

from litestar import Litestar
from litestar.routes import HTTPRoute

#: The types a path parameter is parsed to, in the client's words (both languages).
_TYPE_WORDS: dict[type, tuple[str, str]] = {int: ("整数", "an integer")}


def unparsed_path_parameter(app: Litestar, method: str, path: str) -> tuple[str, type] | None:
    """The name and type of the first path parameter of a route of ``app`` (one that answers ``method`` and has
    ``path``'s shape) that cannot take its segment of ``path``; ``None`` when no route has that shape."""
    segments = [s for s in path.split("/") if s]
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or method not in route.methods:
            continue
        components = [c for c in route.path_components if c != ""]
        if len(components) != len(segments):
            continue
        if any(isinstance(c, str) and c.strip("/") != s for c, s in zip(components, segments, strict=True)):
            continue
        for component, segment in zip(components, segments, strict=True):
            if isinstance(component, str) or component.parser is None:
                continue
            try:
                component.parser(segment)
            except ValueError:
                return component.name, component.type
    return None


def unparsed_message(name: str, kind: type) -> str:
    """The bilingual 400 message of a path parameter that is not of its type; the value itself is not echoed
    (a path can carry what a client should not see quoted back)."""
    zh, en = _TYPE_WORDS.get(kind, ("其类型的值", f"a value of type {kind.__name__}"))
    return f"请求参数无效：路径参数 {name} 须为{zh} / invalid request: path parameter {name!r} must be {en}"
