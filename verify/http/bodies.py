"""The one place a JSON request body is read (both apps): as sent, or refused with a bilingual 400.

Litestar decodes a body, then converts it to the route's type with msgspec's *lax* rules, which turn a string
into a number: ``{"days": "7"}`` started a 7-day notice, and a client that sent a string by mistake never
learnt it. It also left two questions to the decoder: a body that starts with a UTF-8 byte order mark was
"malformed JSON (byte 0)" without saying why, and a body naming a key twice (``{"days": 30, "days": 7}``)
silently meant its last value, though another reader of the same bytes may take the first. Both are
ambiguous, and refused (docs/verify.md, "Routes"):

* a BOM: RFC 8259 forbids sending one; the message names it so the client can drop it;
* a key twice in one object: the message names the key;
* a value of another JSON type than the route's field (a string for a number, a number for a string): the
  message names the field, as for any other invalid field.

The fast lane (:mod:`verify.http.fastlane`) asks :func:`ambiguity` too before it answers, so both lanes of
``POST /v1/verify`` read a body alike.
"""

from __future__ import annotations

import json
from typing import Any, Final

import msgspec
from litestar import Request
from litestar.exceptions import ClientException, ValidationException

BOM: Final = b"\xef\xbb\xbf"
#: A named key is cut to this many characters in a message.
_KEY_SHOWN: Final = 64


class _DuplicateKeyError(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> None:
    """``object_pairs_hook``: only whether a key repeats matters here, so no dict is built."""
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise _DuplicateKeyError(key)
        seen.add(key)


_pairs_decoder: Final = json.JSONDecoder(object_pairs_hook=_refuse_duplicates)


def _keys(value: Any) -> int:
    """How many distinct keys the objects in ``value`` hold, each object counted on its own.

    A colon outside a string separates a key from its value, so a body has at least as many colons as key
    occurrences, and those at least as many as this: when the body's colons are no more, no object named a
    key twice. That answers the common body in ~1 µs; the pairs decoder (~5 µs) reads the others."""
    count, pending = 0, [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            count += len(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return count


def ambiguity(body: bytes) -> str | None:
    """The bilingual reason ``body`` (JSON) cannot be read one way only, or ``None``. A body that is not JSON
    at all is not this function's to judge (``None``): the decoder refuses it with its own message."""
    if body.startswith(BOM):
        return (
            "请求体以 UTF-8 字节顺序标记（BOM）开头，请去掉后重发 / the request body starts with a UTF-8 byte "
            "order mark (BOM), which JSON must not have (RFC 8259); send it without"
        )
    try:
        if body.count(b":") <= _keys(msgspec.json.decode(body)):
            return None  # as many colons as distinct keys per object: no key was named twice
    except (msgspec.DecodeError, RecursionError):
        return None  # not JSON (or too deep): the decoder's to refuse
    try:  # a colon inside a value, or a key named twice: read the pairs to tell which
        _pairs_decoder.decode(body.decode())
    except _DuplicateKeyError as duplicate:
        key = duplicate.key[:_KEY_SHOWN]
        return (
            f"请求体中的键 {key} 重复出现，取哪个值不明确 / the request body names the key {key!r} twice in one "
            "object, so which value counts is ambiguous"
        )
    except (ValueError, RecursionError):  # not JSON (or too deep): the decoder's to refuse
        return None
    return None


def _coerced_field(body: bytes, target: Any) -> tuple[str, str] | None:
    """``(field, msgspec's message)`` when ``body`` is of ``target`` only with lax conversion (a string for a
    number); ``None`` when it is of ``target`` as sent, or not at all (litestar's own check then says why)."""
    try:
        msgspec.json.decode(body, type=target, strict=True)
    except msgspec.ValidationError as strict:
        try:
            msgspec.json.decode(body, type=target, strict=False)
        except (msgspec.ValidationError, msgspec.DecodeError):
            return None
        message, _, path = str(strict).partition(" - at `$")
        return path.rstrip("`").lstrip(".") or "data", message
    except (msgspec.DecodeError, TypeError, RecursionError, UnicodeDecodeError):
        return None  # not JSON, or a type msgspec cannot decode alone: the usual path answers
    return None


class StrictJsonRequest(Request[Any, Any, Any]):
    """Litestar's request, with :meth:`json` refusing an ambiguous body and a value of the wrong JSON type."""

    async def json(self) -> Any:
        body = await self.body()
        reason = ambiguity(body)
        if reason is not None:
            raise ClientException(reason)
        value = await super().json()
        data = self.route_handler.parsed_fn_signature.parameters.get("data")
        if data is not None and body:
            coerced = _coerced_field(body, data.annotation)
            if coerced is not None:
                field, message = coerced
                raise ValidationException(extra=[{"message": message, "key": field, "source": "body"}])
        return value
