"""Every error answer of the verify routes as RFC 9457 problem details (``application/problem+json``).

Members: ``type`` (``about:blank``: the status says what kind of problem it is), ``title`` (the status's
phrase), ``status``, ``detail`` (the English message) and the extension members ``message_zh`` and
``message_en`` (the message in both languages), ``error`` (``"<zh> / <en>"``, the one-line form older
clients read), ``rule`` (the rule of docs/rules.md a refusal applies, when one does) and ``errors`` (what
was wrong, field by field or row by row, when it helps); on the issuer's routes also ``code`` (a stable
code of the refusal), ``field`` (the input it is about) and ``hold`` (the route that holds refused rows);
``code`` also on the verify routes where one status has two causes (503 ``person.not_offered``).
:class:`Problem` is also the schema the OpenAPI document gives
for every error status, so what is documented is what is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from http import HTTPStatus
from typing import Any, Final

import msgspec
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example

from registry.i18n import split_bilingual

PROBLEM_JSON: Final = "application/problem+json"


class Problem(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """RFC 9457 problem details with this service's extension members (see the module docstring)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    message_zh: str
    message_en: str
    error: str
    rule: str | None = None
    errors: Any = None
    retry_after: int | None = None
    code: str | None = None
    field: str | None = None
    hold: str | None = None


def split_message(message: str) -> tuple[str, str]:
    """``"<zh> / <en>"`` as its two halves (a message without the separator is both)."""
    halves = split_bilingual(message)
    return halves if halves is not None else (message, message)


def problem(
    status: int,
    message: str,
    errors: Any = None,
    *,
    rule: str | None = None,
    code: str | None = None,
    field: str | None = None,
    hold: str | None = None,
) -> Problem:
    """The problem of ``status`` with the bilingual ``message`` (and the extension members given)."""
    zh, en = split_message(message)
    retry = errors.get("retry_after") if isinstance(errors, dict) else None
    return Problem(
        title=HTTPStatus(status).phrase,
        status=status,
        detail=en,
        message_zh=zh,
        message_en=en,
        error=message,
        rule=rule,
        errors=errors,
        retry_after=retry if isinstance(retry, int) else None,
        code=code,
        field=field,
        hold=hold,
    )


_encoder: Final = msgspec.json.Encoder()


def problem_bytes(status: int, message: str, errors: Any = None, **members: str | None) -> bytes:
    """:func:`problem` encoded as JSON (``members``: ``rule``, ``code``, ``field``, ``hold``)."""
    return _encoder.encode(problem(status, message, errors, **members))


def example_value(value: Any) -> msgspec.Raw:
    """``value`` as an OpenAPI example, kept as it is: litestar drops ``None`` members from the plain dicts
    of a document, which would show ``null`` fields as missing; pre-encoded JSON passes through untouched."""
    return msgspec.Raw(msgspec.json.encode(value))


def ok(
    data: Any, description: str, example: Any, *, summary: str | None = None, media_type: str = "application/json"
) -> ResponseSpec:
    """The documented success answer of a route: schema ``data`` with ``example`` (kept as it is, see
    :func:`example_value`) under ``summary`` (default: the description). One form for the verify routes
    and the issuer's (:mod:`issuer.openapi`)."""
    return ResponseSpec(
        data,
        description=description,
        media_type=media_type,
        generate_examples=False,
        examples=[Example(summary=summary or description, value=example_value(example))],
    )


def problem_spec(
    status: int, description: str, example: str, errors: Any = None, **members: str | None
) -> ResponseSpec:
    """The OpenAPI response of an error ``status``: the :class:`Problem` schema as
    ``application/problem+json``, with ``example`` (``"<zh> / <en>"``, and ``errors`` and ``members`` as
    in :func:`problem`) as what the body says."""
    return problem_causes(description, [(description, problem(status, example, errors, **members))])


def problem_causes(description: str, examples: Sequence[tuple[str, Problem]]) -> ResponseSpec:
    """:func:`problem_spec` of a status with several causes: an example (summary, body) for each."""
    return ResponseSpec(
        Problem,
        description=description,
        media_type=PROBLEM_JSON,
        generate_examples=False,
        examples=[Example(summary=summary, value=msgspec.to_builtins(body)) for summary, body in examples],
    )
