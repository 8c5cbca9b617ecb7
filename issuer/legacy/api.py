"""HTTP: ``POST /v1/legacy-imports`` (multipart: ``file``, ``source``), province admin.

201 with the report; 422 with **every** bad row (``problems``: row, column, field, code, zh/en) when the file
has any, nothing stored; 422 for an unreadable file or a missing column; 403 for any other role.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.di import NamedDependency

from issuer import openapi_examples as examples
from issuer.auth import Principal
from issuer.batches.upload import FORM_SLACK, read_form, required
from issuer.legacy.service import LegacyReport, import_legacy
from issuer.openapi import KEYS_UNAVAILABLE, LEGACY_FORM, NO_ACTIVE_KEY, documented
from issuer.runtime import IssuerRuntime
from registry.config import Settings
from verify.http.problems import ok


def legacy_routes(settings: Settings) -> list[type[Controller]]:
    """The route, with the body limit of uploads (a legacy file is read whole, like a results file)."""

    class LegacyImportController(Controller):
        path = "/v1/legacy-imports"
        request_max_body_size = settings.issuing.max_upload_bytes + FORM_SLACK

        @post(
            "/",
            status_code=201,
            **documented(
                "importLegacyCertificates",
                "导入历史证书（保留原编号）/ import certificates issued before the registry (numbers kept)",
                form=LEGACY_FORM,
                errors=(400, 401, 403, 409, 413, 415, 422, 503),
                error_examples={409: NO_ACTIVE_KEY, 503: KEYS_UNAVAILABLE},
                answers={201: ok(LegacyReport, "导入报告 / the import report", examples.LEGACY_REPORT)},
            ),
        )
        async def create(
            self,
            request: Request[Any, Any, Any],
            issuer: NamedDependency[IssuerRuntime],
            principal: NamedDependency[Principal],
        ) -> LegacyReport:
            """导入历史证书: certificates issued before the registry, with their existing numbers."""
            form = await read_form(
                request,
                max_bytes=issuer.settings.issuing.max_upload_bytes,
                fields=("file", "source"),
                file_label=("历史证书文件", "the file of certificates issued before the registry"),
            )
            return await import_legacy(
                issuer.database, issuer.settings, issuer.keystore, issuer.profile, principal,
                data=form.data, file_name=form.file_name, source=required(form, "source"),
            )  # fmt: skip

    return [LegacyImportController]
