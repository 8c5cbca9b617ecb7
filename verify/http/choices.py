"""The values a refused enum field takes, so that "Invalid enum value 'x'" can say which are allowed.

msgspec names the value it refused and not the ones it would take: ``{"id_type": "passprot"}`` was answered
"请求体 id_type 无效 / Invalid enum value 'passprot'", and the client had to find the list elsewhere. The route's
own types know it: the parameter's annotation (query, path, header) or the body's struct, walked along the
problem's key (``items[3].id_type``) with :func:`msgspec.inspect.type_info`.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from typing import Any, Final

import msgspec.inspect as mi
from litestar import Request
from litestar.handlers import HTTPRouteHandler

#: ``(source, key)`` of a refused parameter → the values it takes (empty when it is no enum).
Choices = Callable[[str, str], tuple[str, ...]]

_INDEX: Final = re.compile(r"\[\d+\]")


def enum_choices(request: Request[Any, Any, Any]) -> Choices:
    """The :data:`Choices` of the route ``request`` reached (none outside a route)."""
    handler = request.scope.get("route_handler")
    if not isinstance(handler, HTTPRouteHandler):
        return lambda _source, _key: ()
    parameters = handler.parsed_fn_signature.parameters

    def choices(source: str, key: str) -> tuple[str, ...]:
        if source == "body":
            body = parameters.get("data")
            return _values(body.annotation, _INDEX.sub("", key).split(".")) if body is not None else ()
        parameter = parameters.get(key)
        return _values(parameter.annotation, []) if parameter is not None else ()

    return choices


def _values(annotation: Any, path: list[str]) -> tuple[str, ...]:
    try:
        info = mi.type_info(annotation)
    except (TypeError, ValueError):  # an annotation msgspec does not describe (a litestar type)
        return ()
    return _walk(info, path)


def _walk(info: mi.Type, path: list[str]) -> tuple[str, ...]:
    """The values of the enum or literal at ``path`` below ``info`` (through optionals, lists and structs)."""
    if isinstance(info, mi.UnionType):
        return next((found for member in info.types if (found := _walk(member, path))), ())
    inner = _inner(info)
    if inner is not None:
        return _walk(inner, path)
    if path:
        named = [f.type for f in info.fields if f.encode_name == path[0]] if isinstance(info, mi.StructType) else []
        return _walk(named[0], path[1:]) if named else ()
    if isinstance(info, mi.EnumType):
        return tuple(str(member.value) for member in info.cls if isinstance(member, enum.Enum))
    return tuple(str(value) for value in info.values) if isinstance(info, mi.LiteralType) else ()


def _inner(info: mi.Type) -> mi.Type | None:
    """What a constraint or a collection holds; ``None`` for any other type."""
    if isinstance(info, mi.Metadata):
        return info.type
    if isinstance(info, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
        return info.item_type
    return None
