"""The issuer's additions to the error table of :mod:`verify.http.errors`: with it, the ONE exception → HTTP
table of the all-in-one app (registered by :class:`issuer.plugin.IssuerPlugin`; no controller hangs its own).

Services raise errors that say what is wrong in the domain's words; only this table speaks HTTP (status,
and the route that holds refused rows). Every answer is RFC 9457 problem details
(:mod:`verify.http.problems`): ``code`` and ``field`` are extension members, refused rows go to ``errors``."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response

from issuer.batches.errors import BatchRequestError
from issuer.errors import KEYS_UNAVAILABLE_MESSAGE, BatchStateError, Forbidden, InvalidInputError, UploadError
from issuer.issuing.errors import IneligibleError
from issuer.legacy.service import LegacyImportError
from keys.errors import KeyFileError
from registry.config import SettingsError
from registry.identity.errors import IdentityError
from registry.tabular import TableError
from verify.http.errors import Handler
from verify.http.problems import PROBLEM_JSON, problem_bytes


def problem_answer(status: int, message: str, errors: Any = None, **members: str | None) -> Response[bytes]:
    """The problem-details answer of ``status`` (``members``: ``code``, ``field``, ``hold``, ``rule``)."""
    return Response(problem_bytes(status, message, errors, **members), status_code=status, media_type=PROBLEM_JSON)


def _forbidden(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    return problem_answer(403, str(exc))


def _state(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    code = getattr(exc, "code", None)  # a document's refusal has a stable code (document.nothing_to_print)
    return problem_answer(409, str(exc), code=code if isinstance(code, str) else None)


def _upload(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, UploadError)
    return problem_answer(exc.status, str(exc), code=exc.code)


def _invalid(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, InvalidInputError)
    return problem_answer(400, str(exc), field=exc.field, code=exc.code)


def _ineligible(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """422 with every problem (its fields, and ``message``: both languages in one text, as before problems
    had one type); for a batch, the route that holds the refused rows so the others can go."""
    assert isinstance(exc, IneligibleError)
    hold = f"POST /v1/batches/{exc.batch_id}/hold" if exc.batch_id is not None else None
    problems = [{**msgspec.to_builtins(p), "message": p.message} for p in exc.problems]
    return problem_answer(422, str(exc), problems, hold=hold)


def _bad_legacy_rows(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """422 with every bad row of a legacy file (nothing was stored)."""
    assert isinstance(exc, LegacyImportError)
    return problem_answer(422, str(exc), [msgspec.to_builtins(p) for p in exc.problems])


def _identity_unavailable(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A sealing fault is the server's (a missing or wrong KEK file, an altered row), never the caller's."""
    return problem_answer(503, str(exc), code="identity.unavailable")


def _keys_unavailable(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A signing key that cannot be opened (no passphrase set, a wrong one, a damaged key file) or a secret
    setting missing is the server's fault, never the caller's: 503 with a fixed text (the exception's names
    the key file's path)."""
    return problem_answer(503, KEYS_UNAVAILABLE_MESSAGE, code="keys.unavailable")


def _table(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, TableError)
    return problem_answer(422, str(exc), code=exc.code)


def _batch_request(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, BatchRequestError)
    return problem_answer(422, str(exc), code=exc.code)


ISSUER_EXCEPTION_HANDLERS: dict[type[Exception] | int, Handler] = {
    Forbidden: _forbidden,
    BatchStateError: _state,
    UploadError: _upload,
    TableError: _table,
    BatchRequestError: _batch_request,
    InvalidInputError: _invalid,
    IneligibleError: _ineligible,
    LegacyImportError: _bad_legacy_rows,
    IdentityError: _identity_unavailable,
    KeyFileError: _keys_unavailable,
    SettingsError: _keys_unavailable,
}
