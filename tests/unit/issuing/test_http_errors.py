"""The all-in-one app's ONE exception → HTTP table (verify's rows, then the issuer's): every error a service
raises on purpose gets its status and a bilingual message; no controller hangs a table of its own."""

from __future__ import annotations

import json
from typing import Any, cast

import pytest
from litestar import Request

from issuer.batches.problems import problem
from issuer.errors import BatchStateError, Forbidden, InvalidInputError, UploadError
from issuer.http_errors import ISSUER_EXCEPTION_HANDLERS
from issuer.issuing.errors import IneligibleError
from issuer.legacy.service import LegacyImportError
from registry.errors import ConflictError, NotFoundError, RegistryError
from registry.identity.errors import KekMissingError, TamperedCiphertextError
from registry.log.errors import LogRangeError
from registry.tabular import TableError
from verify.http.errors import EXCEPTION_HANDLERS

TABLE = {**EXCEPTION_HANDLERS, **ISSUER_EXCEPTION_HANDLERS}
NO_REQUEST = cast(Request[Any, Any, Any], None)  # these rows never look at the request
BAD_ROW = problem("cell.required", row=2, column="姓名", field="name")


def _handler(exc: Exception) -> Any:
    """The row litestar picks: the nearest class of ``exc``'s MRO that the table names."""
    return next(TABLE[cls] for cls in type(exc).__mro__ if cls in TABLE)


def _answer(exc: Exception) -> tuple[int, dict[str, Any]]:
    response = _handler(exc)(NO_REQUEST, exc)
    content = response.content
    return response.status_code, json.loads(content) if isinstance(content, bytes) else content


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (Forbidden("不可 / no"), 403),
        (BatchStateError("状态 / state"), 409),
        (UploadError("过大 / too big", status=413, code="upload.too_large"), 413),
        (TableError("file.corrupt", "坏 / bad"), 422),
        (InvalidInputError("无效 / invalid", field="reason", code="reason.empty"), 400),
        (IneligibleError("不能发证 / cannot issue", [BAD_ROW], batch_id=7), 422),
        (LegacyImportError([BAD_ROW]), 422),
        (KekMissingError("缺少 / missing KEK"), 503),
        (TamperedCiphertextError("被改 / altered"), 503),
        (LogRangeError("超出 / beyond the log"), 400),
        (NotFoundError("无 / none"), 404),
        (ConflictError("冲突 / conflict"), 409),
        (RegistryError("违反 / broken"), 422),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else str(v),
)
def test_each_error_gets_its_status_and_its_bilingual_message(exc: Exception, status: int) -> None:
    got, body = _answer(exc)
    assert got == status
    message = body.get("error") or body.get("detail")
    assert message == str(exc)
    assert " / " in message


def test_a_refused_batch_lists_its_rows_and_names_the_hold_route() -> None:
    _, body = _answer(IneligibleError("不能发证 / cannot issue", [BAD_ROW], batch_id=7))
    assert body["hold"] == "POST /v1/batches/7/hold"
    assert [(p["row"], p["code"], p["rule"]) for p in body["errors"]] == [(2, "cell.required", "format")]


def test_a_legacy_file_lists_every_bad_row_and_a_sealing_fault_is_the_servers() -> None:
    _, legacy = _answer(LegacyImportError([BAD_ROW]))
    assert [(p["row"], p["column"], p["code"]) for p in legacy["errors"]] == [(2, "姓名", "cell.required")]
    _, sealing = _answer(KekMissingError("缺少 / missing KEK"))
    assert sealing["code"] == "identity.unavailable"
