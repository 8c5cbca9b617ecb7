"""HTTP: ``POST /v1/legacy-imports`` (multipart: ``file``, ``source``), province admin.

201 with the report; 422 with **every** bad row (``problems``: row, column, field, code, zh/en) when the file
has any, nothing stored; 422 for an unreadable file or a missing column; 413 past the upload limit; 403 for any
other role; 503 when the server cannot sign or seal (no key passphrase configured, a wrong one, a damaged key
file, no identity KEK): the operator's fault, never the caller's, and the answer names no file or path.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, MediaType, Request, Response, post
from litestar.di import NamedDependency

from issuer.auth import Principal
from issuer.batches.upload import FORM_SLACK, read_form, required
from issuer.identity.api import IDENTITY_EXCEPTION_HANDLERS
from issuer.legacy.service import LegacyImportError, LegacyReport, import_legacy
from issuer.runtime import IssuerRuntime
from keys.errors import KeyFileError
from registry.config import Settings, SettingsError
from registry.rules.profiles import get_profile
from verify.http.errors import Handler


def _bad_rows(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, LegacyImportError)
    content = {
        "status": 422,
        "error": str(exc),
        "total": exc.total,
        "problems": [msgspec.to_builtins(p) for p in exc.problems],
    }
    return Response(content, status_code=422, media_type=MediaType.JSON)


def _keys_unavailable(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The province key cannot be opened here (no passphrase set, a wrong one, a damaged file) or a secret
    setting is missing: 503, with a fixed text (the exception's names the key file's path)."""
    content = {
        "status": 503,
        "error": "服务器未配置好签名所需的密钥（密钥口令缺失或错误，或证件号哈希密钥未设置），请联系运维人员；"
        "未导入任何证书 / the server is not set up to sign: the key passphrase is missing or wrong, or the ID "
        "hash key is not set; contact the operators. Nothing was imported",
        "code": "keys.unavailable",
    }
    return Response(content, status_code=503, media_type=MediaType.JSON)


LEGACY_EXCEPTION_HANDLERS: dict[type[Exception] | int, Handler] = {
    **IDENTITY_EXCEPTION_HANDLERS,
    LegacyImportError: _bad_rows,
    KeyFileError: _keys_unavailable,
    SettingsError: _keys_unavailable,
}


def legacy_routes(settings: Settings) -> list[type[Controller]]:
    """The route, with the body limit of uploads (a legacy file is read whole, like a results file)."""

    class LegacyImportController(Controller):
        path = "/v1/legacy-imports"
        exception_handlers = LEGACY_EXCEPTION_HANDLERS
        request_max_body_size = settings.max_upload_bytes + FORM_SLACK

        @post("/", status_code=201)
        async def create(
            self,
            request: Request[Any, Any, Any],
            issuer: NamedDependency[IssuerRuntime],
            principal: NamedDependency[Principal],
        ) -> LegacyReport:
            """导入历史证书: certificates issued before the registry, with their existing numbers."""
            form = await read_form(request, max_bytes=issuer.settings.max_upload_bytes, fields=("file", "source"))
            return await import_legacy(
                issuer.database, issuer.settings, issuer.keystore, get_profile(issuer.settings.profile), principal,
                data=form.data, file_name=form.file_name, source=required(form, "source"),
            )  # fmt: skip

    return [LegacyImportController]
