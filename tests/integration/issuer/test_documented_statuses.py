"""Every status a route can answer is in the OpenAPI document (DEVELOPERS.md: a client reads the document to
know what it may be told). Two walks over the documents of both apps (the all-in-one ``certreg serve`` and a
verify replica):

* derived: each exception a route's handler raises, or a function of this project it calls by name
  (a few calls down), becomes, through the one exception → HTTP table
  (``verify.http.errors``, ``issuer.http_errors``), a status its operation must document;
* explicit: the statuses that come from where the derivation cannot see (a method, a property),
  each with where it is raised.

Building the documents needs no database: nothing here connects."""

from __future__ import annotations

import ast
import inspect
import textwrap
from functools import cache
from typing import Any

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute

from issuer.app import create_app
from issuer.errors import BatchStateError, Forbidden, InvalidInputError
from issuer.issuing.errors import IneligibleError
from issuer.legacy.service import LegacyImportError
from registry.errors import ConflictError, NotFoundError
from registry.log.errors import LogCorruptError, LogRangeError
from registry.tabular import TableError
from tests.support import make_settings
from verify.app import create_app as create_verify_app
from verify.errors import NotAvailableError, ServiceUnavailableError

#: The fixed status of each exception of the error table (``UploadError`` carries its own and is left out).
STATUS_OF: dict[type[Exception], int] = {
    InvalidInputError: 400,
    LogRangeError: 400,
    Forbidden: 403,
    NotFoundError: 404,
    BatchStateError: 409,
    ConflictError: 409,
    IneligibleError: 422,
    LegacyImportError: 422,
    TableError: 422,
    LogCorruptError: 503,
    ServiceUnavailableError: 503,
    NotAvailableError: 404,
}

#: (operation id, status, where): raised where the static derivation does not look.
DEEPER: list[tuple[str, int, str]] = [
    ("getLogKey", 404, "verify.http.log_api.LogController.key: no active log key, or two (not available)"),
    ("submitBatch", 409, "issuer.batches.submission.submit_batch: the same file sent again (batch.same_upload)"),
    ("getLogCheckpoint", 404, "registry.log.store.require_checkpoint: no checkpoint yet"),
    ("getLogEntries", 503, "verify.http.log_api._require_whole: a hole in the stored log"),
    ("importLegacyCertificates", 503, "issuer.runtime.IssuerRuntime.keystore: keys.unavailable"),
    ("importLegacyCertificates", 422, "issuer.legacy.service: every bad row"),
]

#: (operation id, status) the derivation finds but a request cannot get, with why.
UNREACHABLE: dict[tuple[str, int], str] = {
    ("exportCertificates", 404): "authorise(principal, EXPORT) has no target: every role that may export reaches all",
    ("importLegacyCertificates", 404): "authorise(caller, LEGACY_IMPORT) has no target: province_admin reaches all",
    ("reissueCertificate", 422): "store_successor re-signs content that was signed once; sign_chunk refuses none",
}


@cache
def _apps() -> dict[str, Litestar]:
    settings = make_settings(database_url="sqlite+aiosqlite:///:memory:")
    return {"certreg": create_app(settings), "verify": create_verify_app(settings)}


def _statuses_by_operation(app: Litestar) -> dict[str, set[int]]:
    document = app.openapi_schema.to_schema()
    return {
        op["operationId"]: {int(status) for status in op.get("responses", {})}
        for item in document["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }


OURS = ("issuer.", "verify.", "registry.", "keys.")


def _raised_by(fn: Any, depth: int = 4, seen: set[Any] | None = None) -> set[type[Exception]]:
    """The exception classes ``fn`` raises itself, and the functions of this project it calls by name raise
    (``depth`` calls down): a static reading, so a call through an object's method is not followed."""
    seen = set() if seen is None else seen
    fn = inspect.unwrap(fn)
    if fn in seen or not getattr(fn, "__module__", "").startswith(OURS):
        return set()
    seen.add(fn)
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError):
        return set()
    names = vars(inspect.getmodule(fn))
    found: set[type[Exception]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and node.exc is not None:
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            value = names.get(target.id) if isinstance(target, ast.Name) else None
            if isinstance(value, type) and issubclass(value, Exception):
                found.add(value)
        elif isinstance(node, ast.Call) and depth > 0:
            called = _called(node.func, names)
            if inspect.isfunction(called):
                found |= _raised_by(called, depth - 1, seen)
    return found


def _called(func: ast.expr, names: dict[str, Any]) -> Any:
    """What a call names: ``f(…)`` the module's ``f``, ``module.f(…)`` that module's ``f`` (a service called
    through its module, as routes call ``reports.list_batches``: its 403 and 404 went unseen)."""
    if isinstance(func, ast.Name):
        return names.get(func.id)
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        module = names.get(func.value.id)
        if inspect.ismodule(module):
            return getattr(module, func.attr, None)
    return None


def _status(exc: type[Exception]) -> int | None:
    for base in exc.__mro__:
        if base in STATUS_OF:
            return STATUS_OF[base]
    return None


def test_every_status_a_route_raises_is_documented() -> None:
    app = _apps()["certreg"]  # the verify routes too
    documented = _statuses_by_operation(app)
    missing = []
    checked = 0
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if not handler.resolve_include_in_schema() or handler.operation_id not in documented:
                continue
            for exc in _raised_by(handler.fn):
                status = _status(exc)
                checked += status is not None
                key = (str(handler.operation_id), status)
                if status is not None and status not in documented[key[0]] and key not in UNREACHABLE:
                    missing.append((handler.operation_id, status, exc.__name__))
    assert checked > 0, "the walk saw no raise: it checks nothing"
    assert missing == []


@pytest.mark.parametrize(("operation", "status", "where"), DEEPER)
def test_every_status_raised_out_of_sight_is_documented(operation: str, status: int, where: str) -> None:
    for app in _apps().values():
        documented = _statuses_by_operation(app)
        if operation in documented:
            assert status in documented[operation], where
