"""Console downloads of a batch's and a certificate's files, from the same service and policy as the API
(:mod:`issuer.artefacts`): the QR codes (``certificates``), the certificate PDFs and the print run
(``documents``: they hold full document numbers, so each download is an event naming the signed-in account).

==============================================  =====================================================
``GET /console/batches/{id}/qr.zip``            as ``GET /v1/batches/{id}/qr.zip``
``GET /console/batches/{id}/certificates.zip``  as ``GET /v1/batches/{id}/certificates.zip`` (``?variant=``)
``GET /console/batches/{id}/certificates.pdf``  as ``GET /v1/batches/{id}/certificates.pdf``
``GET /console/certificates/{n}/certificate.pdf``  as ``GET /v1/certificates/{n}/certificate.pdf`` (``?variant=``)
==============================================  =====================================================
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

from litestar import Response, get
from litestar.params import FromPath, FromQuery
from litestar.response import Stream

from issuer.artefacts.api import download_stream, private_pdf
from issuer.artefacts.services import parse_variant
from issuer.artefacts.store import ArtefactKind
from issuer.documents.model import Variant
from issuer.injected import Caller, Runtime
from issuer.params import BatchId
from issuer.qr import Mode
from registry.calendar import province_day


@get("/batches/{batch_id:int}/qr.zip", media_type="application/zip")
async def qr_zip(*, batch_id: BatchId, issuer: Runtime, staff: Caller) -> Stream:
    found = await issuer.artefacts.batch_file(staff, batch_id, ArtefactKind.QR_ZIP, Mode.TOKEN.value)
    return download_stream(found)


@get("/batches/{batch_id:int}/certificates.zip", media_type="application/zip")
async def certificates_zip(
    *, batch_id: BatchId, issuer: Runtime, staff: Caller, variant: FromQuery[str | None] = None
) -> Stream:
    chosen = parse_variant(variant)
    found = await issuer.artefacts.batch_file(staff, batch_id, ArtefactKind.CERTIFICATES_ZIP, chosen.value)
    return download_stream(found)


@get("/batches/{batch_id:int}/certificates.pdf", media_type="application/pdf")
async def certificates_pdf(*, batch_id: BatchId, issuer: Runtime, staff: Caller) -> Stream:
    kind = ArtefactKind.CERTIFICATES_PDF
    return download_stream(await issuer.artefacts.batch_file(staff, batch_id, kind, Variant.PRINT.value))


@get("/certificates/{number:str}/certificate.pdf", media_type="application/pdf")
async def certificate_pdf(
    *, number: FromPath[str], issuer: Runtime, staff: Caller, variant: FromQuery[str | None] = None
) -> Response[bytes]:
    chosen = parse_variant(variant)
    profile = issuer.profile
    today = province_day(datetime.now(UTC))
    name, data = await issuer.artefacts.certificate_pdf(staff, profile, number, chosen, today=today)
    return private_pdf(name, data)


DOWNLOAD_SCREENS: Final = [qr_zip, certificates_zip, certificates_pdf, certificate_pdf]
