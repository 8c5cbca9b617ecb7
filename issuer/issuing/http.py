"""HTTP answers for this package's errors (the shared tables in ``verify.http.errors`` and
``issuer.http_errors`` cover NotFound 404, Conflict 409, Forbidden 403, BatchStateError 409)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import MediaType, Request, Response

from issuer.issuing.errors import IneligibleError, InvalidInputError
from verify.http.errors import Handler


def _invalid(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, InvalidInputError)
    content = {"status": 400, "error": str(exc), "field": exc.field, "code": exc.code}
    return Response(content, status_code=400, media_type=MediaType.JSON)


def _ineligible(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, IneligibleError)
    content = {"status": 422, "error": str(exc), "detail": [msgspec.to_builtins(p) for p in exc.problems]}
    return Response(content, status_code=422, media_type=MediaType.JSON)


ISSUING_EXCEPTION_HANDLERS: dict[type[Exception] | int, Handler] = {
    InvalidInputError: _invalid,
    IneligibleError: _ineligible,
}
