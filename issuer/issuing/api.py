"""HTTP controllers of issuing: parse, call one service, render. Rules live in the services.

==========================================  ===================================================  ======
``POST /v1/batches/{id}/issue``             province admin; city reviewer: special-ability, own region  200
``GET  /v1/certificates/{n}/qr.svg|png``    as qr.zip (``?mode=short`` for the short URL)               200
``POST /v1/certificates/{n}/revoke``        as issue; body ``{"reason"}``                              200
``POST /v1/certificates/{n}/reissue``       as issue; body ``{"reason", "print_serial"?}``             201
``GET  /v1/certificates/{n}/prints``         as qr.zip; the print serials, valid and void               200
``POST /v1/certificates/{n}/replace``       as issue; body ``{"reason", corrected fields…}``           201
``GET  /v1/exports/certificates?since=ID``  province roles; NDJSON stream                               200
==========================================  ===================================================  ======

The batch's ``qr.zip`` is served from a file built once (:mod:`issuer.artefacts.api`).

``/issue`` takes an optional body ``{"reason": …}``, recorded in the ``batch.issued`` event; omitted, empty or
blank, the default reason is recorded (never a "reason required" refusal: the reason is optional here).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Final

import msgspec
import segno
from litestar import Controller, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Stream

from issuer import openapi_examples as examples
from issuer.auth import Principal
from issuer.auth.policy import Action, authorise
from issuer.checkpoints import publish_after_batch
from issuer.injected import Caller, Runtime
from issuer.issuing.changes import (
    ChangeOrder,
    RevokeResult,
    reissue_certificate,
    replace_certificate,
    revoke_certificate,
)
from issuer.issuing.corrections import Correction
from issuer.issuing.credentials import CredentialContext
from issuer.issuing.exports import check_since, export_lines, parse_since
from issuer.issuing.prints import CertificatePrints, certificate_prints
from issuer.issuing.qrcodes import certificate_qr_source
from issuer.issuing.service import DEFAULT_ISSUE_REASON, issue_batch
from issuer.issuing.successor import SuccessorResult
from issuer.openapi import REASON_REQUIRED, documented
from issuer.params import SINCE, BatchId
from issuer.qr import Mode, make_code, png_bytes, qr_url, svg_bytes
from issuer.runtime import IssuerRuntime
from issuer.text_checks import Reason
from registry.calendar import province_day
from verify.http.problems import ok


class IssueResponse(msgspec.Struct, frozen=True, kw_only=True):
    batch_id: int
    state: str
    issued_on: date | None
    authority_code: str | None
    kid: str | None
    issued_count: int  # issued by this call (0 on a repeat)
    held: int
    numbers: list[str]  # every certificate of the batch, in row order


#: What the OpenAPI document says of ``/issue``'s reason.
ISSUE_REASON_DESCRIPTION: Final = (
    "发证原因，记入 batch.issued 事件；可选：省略、为空或仅含空白时记为默认原因“按公示期满发证” / why, recorded in "
    "the batch.issued event; optional: omitted, empty or blank records the default (issued after the public "
    "notice ended)"
)


class ReasonRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    reason: Reason


class ReissueRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``/reissue``: why, and for a qualification certificate (which keeps its number) optionally the print
    serial of the pre-printed blank it is printed on (000:35); otherwise the authority's next serial."""

    reason: Reason
    print_serial: Annotated[str, msgspec.Meta(max_length=64)] | None = None


class IssueRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``POST /v1/batches/{id}/issue``: an optional reason (default :data:`DEFAULT_ISSUE_REASON`, also for an
    empty or blank one)."""

    reason: Annotated[Reason, msgspec.Meta(description=ISSUE_REASON_DESCRIPTION)] = DEFAULT_ISSUE_REASON


class ReplaceRequest(Correction, frozen=True, kw_only=True, forbid_unknown_fields=True):
    reason: Reason


class BatchIssueController(Controller):
    path = "/v1/batches"

    @post(
        "/{batch_id:int}/issue",
        status_code=200,
        **documented(
            "issueBatch",
            "签发批次中就绪的行（幂等）/ issue the batch's ready rows (idempotent)",
            errors=(400, 401, 403, 404, 409, 422),
            answers={200: ok(IssueResponse, "批次的全部证书编号 / every number of the batch", examples.ISSUED)},
        ),
    )
    async def issue(
        self, batch_id: BatchId, issuer: Runtime, principal: Caller, data: JSONBody[IssueRequest | None] = None
    ) -> IssueResponse:
        """Issue the batch's ready rows (idempotent); answers every number of the batch. Body optional:
        ``{"reason": …}`` is recorded in the ``batch.issued`` event."""
        result = await issue_batch(
            issuer.database, issuer.keystore, issuer.profile, batch_id,
            caller=principal, announce=issuer.announce, reason=(data or IssueRequest()).reason,
            credentials=_credentials(issuer),
        )  # fmt: skip
        if result.issued_now:
            await publish_after_batch(issuer.database, issuer.keystore, issuer.settings)
        return IssueResponse(
            batch_id=result.batch_id, state=result.state, issued_on=result.issued_on,
            authority_code=result.authority_code, kid=result.kid, issued_count=len(result.issued_now),
            held=result.held, numbers=result.numbers,
        )  # fmt: skip


class CertificateChangeController(Controller):
    path = "/v1/certificates"

    @get(
        "/{number:str}/qr.svg",
        media_type="image/svg+xml",
        **documented(
            "getCertificateQrSvg",
            "证书二维码（SVG）/ the certificate's QR code (SVG)",
            errors=(400, 401, 403, 404),
            answers={200: ok(str, "二维码 / the QR code", examples.QR_SVG, media_type="image/svg+xml")},
        ),
    )
    async def qr_svg(
        self, number: FromPath[str], issuer: Runtime, principal: Caller, mode: FromQuery[Mode] = Mode.TOKEN
    ) -> Response[bytes]:
        """The certificate's QR code as SVG."""
        code = await _code(issuer, principal, number, mode)
        return Response(svg_bytes(code, title=number), media_type="image/svg+xml")

    @get(
        "/{number:str}/qr.png",
        media_type="image/png",
        **documented(
            "getCertificateQrPng",
            "证书二维码（PNG）/ the certificate's QR code (PNG)",
            errors=(400, 401, 403, 404),
            answers={200: ResponseSpec(bytes, description="二维码 / the QR code", media_type="image/png")},
        ),
    )
    async def qr_png(
        self, number: FromPath[str], issuer: Runtime, principal: Caller, mode: FromQuery[Mode] = Mode.TOKEN
    ) -> Response[bytes]:
        """The certificate's QR code as PNG."""
        code = await _code(issuer, principal, number, mode)
        return Response(png_bytes(code), media_type="image/png")

    @post(
        "/{number:str}/revoke",
        status_code=200,
        **documented(
            "revokeCertificate",
            "撤销证书 / revoke a certificate",
            errors=(400, 401, 403, 404, 409),
            answers={200: ok(RevokeResult, "已撤销 / revoked", examples.REVOKED)},
            error_examples={400: REASON_REQUIRED},
        ),
    )
    async def revoke(
        self, number: FromPath[str], data: JSONBody[ReasonRequest], issuer: Runtime, principal: Caller
    ) -> RevokeResult:
        """撤销: the certificate becomes revoked for every verifier at once."""
        return await revoke_certificate(
            issuer.database, issuer.profile, number, order=_order(issuer, principal, data.reason)
        )

    @post(
        "/{number:str}/reissue",
        status_code=201,
        **documented(
            "reissueCertificate",
            "补发证书 / reissue a certificate (补发)",
            errors=(400, 401, 403, 404, 409),
            answers={201: ok(SuccessorResult, "补发结果 / the reissue", examples.SUCCESSOR_RESULT)},
            error_examples={400: REASON_REQUIRED},
        ),
    )
    async def reissue(
        self, number: FromPath[str], data: JSONBody[ReissueRequest], issuer: Runtime, principal: Caller
    ) -> SuccessorResult:
        """补发: a qualification certificate keeps its number and gets a new print serial (``change``
        ``reprinted``); another kind gets a new number, same content, and the old number is superseded."""
        order = _order(issuer, principal, data.reason)
        return await reissue_certificate(
            issuer.database, issuer.keystore, issuer.profile, number, order=order, print_serial=data.print_serial
        )

    @get(
        "/{number:str}/prints",
        **documented(
            "getCertificatePrints",
            "证书的印制记录 / the certificate's prints",
            errors=(400, 401, 403, 404),
            answers={
                200: ok(CertificatePrints, "有效与作废的印制流水码 / valid and void print serials", examples.PRINTS)
            },
        ),
    )
    async def prints(self, number: FromPath[str], issuer: Runtime, principal: Caller) -> CertificatePrints:
        """The certificate's prints: the valid print serial and the void ones, oldest first."""
        today = province_day(datetime.now(UTC))
        profile = issuer.profile
        return await certificate_prints(issuer.database, profile, number, caller=principal, today=today)

    @post(
        "/{number:str}/replace",
        status_code=201,
        **documented(
            "replaceCertificate",
            "换发证书（更正内容，新编号）/ replace a certificate (corrected content, new number)",
            errors=(400, 401, 403, 404, 409, 422),
            answers={201: ok(SuccessorResult, "换发结果 / the replacement", examples.SUCCESSOR_RESULT)},
            error_examples={400: REASON_REQUIRED},
        ),
    )
    async def replace(
        self, number: FromPath[str], data: JSONBody[ReplaceRequest], issuer: Runtime, principal: Caller
    ) -> SuccessorResult:
        """换发: a new number with corrected content; the old number is superseded."""
        order = _order(issuer, principal, data.reason)
        return await replace_certificate(  # a ReplaceRequest is its Correction
            issuer.database, issuer.keystore, issuer.profile, number, data, order=order, settings=issuer.settings
        )


def _credentials(issuer: IssuerRuntime) -> CredentialContext:
    """Every change through the API also signs credentials and status lists (docs/credentials.md)."""
    return CredentialContext.of(issuer.settings, issuer.keystore)


def _order(issuer: IssuerRuntime, principal: Principal, reason: str) -> ChangeOrder:
    """A change ordered through the API: announced on the runtime's channel, with credentials."""
    return ChangeOrder(reason=reason, caller=principal, announce=issuer.announce, credentials=_credentials(issuer))


async def _code(issuer: IssuerRuntime, principal: Principal, number: str, mode: Mode) -> segno.QRCode:
    today = province_day(datetime.now(UTC))
    source = await certificate_qr_source(issuer.database, issuer.profile, number, caller=principal, today=today)
    url = qr_url(
        issuer.settings.server.public_url, number=source.number, statement=source.statement,
        signature=source.signature, mode=mode,
    )  # fmt: skip
    return make_code(url)


class ExportController(Controller):
    path = "/v1/exports"

    @get(
        "/certificates",
        media_type="application/x-ndjson",
        **documented(
            "exportCertificates",
            "证书事件导出（NDJSON）/ certificate events as NDJSON",
            errors=(400, 401, 403),
            answers={
                200: ok(
                    str, "每行一个事件 / one event per line", examples.EXPORT_LINE, media_type="application/x-ndjson"
                )
            },
        ),
    )
    async def certificates(
        self, issuer: Runtime, principal: Caller, since: Annotated[str | None, SINCE] = None
    ) -> Stream:
        """Certificate events after ``since`` as NDJSON, for the national query system."""
        authorise(principal, Action.EXPORT)
        first = parse_since(since)
        await check_since(issuer.database, max(first - 1, 0))
        return Stream(export_lines(issuer.database, first), media_type="application/x-ndjson")


ISSUING_ROUTES = [BatchIssueController, CertificateChangeController, ExportController]
