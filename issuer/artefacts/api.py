"""HTTP: certificate documents and QR archives for issuer roles, served from files built once per batch.

==============================================  ============================================  ======
``GET /v1/certificates/{n}/certificate.pdf``    ``?variant=print|electronic`` (default electronic)  200
``GET /v1/batches/{id}/certificates.zip``       one PDF per valid certificate + manifest.csv      200
``GET /v1/batches/{id}/certificates.pdf``       every print page in one file, for the printer    200
``GET /v1/batches/{id}/qr.zip``                 SVG + PNG per certificate (``?mode=short``)       200
``POST /v1/batches/{id}/photos``                multipart ``file``: a zip of photos by document number  200
``GET /v1/documents/test-print.pdf``            ``?kind=…&offset=x,y``: the blank stock's test page  200
==============================================  ============================================  ======

Who may: ``documents`` and ``photos`` of :mod:`issuer.auth.policy` (the QR archive: ``certificates``; the
test page: ``test_print``).
Files are streamed from the file store in 256 KB chunks (memory bounded), with ``Content-Length`` and an
``ETag`` (the SHA-256 of the kept file); answers are ``Cache-Control: no-store``: they hold full identities.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import IO, Annotated, Any, Final

from litestar import Controller, Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath
from litestar.response import Stream

from issuer import openapi_examples as examples
from issuer.artefacts.photos import PhotoReport, upload_photos
from issuer.artefacts.services import Download, parse_kind, parse_mode, parse_offset, parse_variant
from issuer.artefacts.store import READ_CHUNK, ArtefactKind
from issuer.batches.upload import read_form
from issuer.documents.model import Variant
from issuer.injected import Caller, Runtime
from issuer.openapi import PHOTOS_FORM, documented
from issuer.params import PRINT_OFFSET, BatchId, one_of
from issuer.qr import Mode
from registry.calendar import province_day
from registry.vocab import CertificateKind
from verify.http.problems import ok

_FILE_ERRORS: Final = (400, 401, 403, 404, 409, 503)
#: ``?variant=``, read by the route (:func:`parse_variant`): its values listed in the document.
VariantChoice = Annotated[str | None, one_of(Variant)]


def _binary(media: str, description: str) -> dict[int, ResponseSpec]:
    return {200: ResponseSpec(bytes, description=description, media_type=media)}


async def _chunks(handle: IO[bytes], size: int) -> AsyncIterator[bytes]:
    try:
        left = size
        while left > 0:
            block = await asyncio.to_thread(handle.read, min(READ_CHUNK, left))
            if not block:
                return
            left -= len(block)
            yield block
    finally:
        handle.close()


def _private(file_name: str, more: dict[str, str] | None = None) -> dict[str, str]:
    """The headers (and ``more``) of a download saved as ``file_name`` that no cache may keep: it holds
    identities."""
    return {"Content-Disposition": f'attachment; filename="{file_name}"', **(more or {}), "Cache-Control": "no-store"}


def _stream(download: Download) -> Stream:
    headers = _private(download.file_name, {"Content-Length": str(download.size), "ETag": f'"{download.sha256.hex()}"'})
    return Stream(_chunks(download.handle, download.size), media_type=download.media_type, headers=headers)


def private_pdf(file_name: str, data: bytes) -> Response[bytes]:
    """A PDF drawn on request, saved as ``file_name``, never cached."""
    return Response(data, media_type="application/pdf", headers=_private(file_name))


#: The same answers for the staff console's download screens (``issuer/console/screens/downloads.py``).
download_stream = _stream


class DocumentController(Controller):
    path = "/v1"
    tags = ("证书文件 / certificate documents",)

    @get(
        "/certificates/{number:str}/certificate.pdf",
        media_type="application/pdf",
        **documented(
            "getCertificatePdf",
            "一张证书的 PDF / one certificate's PDF",
            description=(
                "`variant=electronic` (default): the full design, PDF/A-3B shaped, marked 电子证书, the signed token "
                "embedded (`certreg verify-token`). `variant=print`: only the variable fields, for blank stock. "
                "The PDF shows the holder's full document number: each one handed out is a `certificate.document` "
                "event (who, which number, which variant)."
            ),
            errors=_FILE_ERRORS,
            answers=_binary("application/pdf", "证书 PDF / the certificate"),
        ),
    )
    async def certificate_pdf(
        self, number: FromPath[str], issuer: Runtime, principal: Caller, variant: VariantChoice = None
    ) -> Response[bytes]:
        chosen = parse_variant(variant)
        today = province_day(datetime.now(UTC))
        name, data = await issuer.artefacts.certificate_pdf(principal, issuer.profile, number, chosen, today=today)
        return private_pdf(name, data)

    @get(
        "/documents/test-print.pdf",
        media_type="application/pdf",
        **documented(
            "getTestPrintPdf",
            "套打校准页 / the test page of the blank stock",
            description=(
                "`kind` (qualification, skill_level, special_ability): whose blank stock. `offset=x,y` (mm, each "
                "within ±20, + is right/down): the print offset to try; default the one the print files use "
                "(`CERTREG_PRINT_OFFSET_MM`, else the profile's). A millimetre ruler and grid fixed to the paper and "
                "every printed box moved by the offset: print it on a blank, read where the boxes land, set the "
                'offset (docs/certificates.md, "Adjusting the print offset"). Holds no personal data.'
            ),
            errors=(400, 401, 403),
            answers=_binary("application/pdf", "校准页 PDF / the test page"),
            required=("kind",),  # read here to refuse a missing or unknown one alike (kind.unknown)
        ),
    )
    async def test_print_pdf(
        self,
        issuer: Runtime,
        principal: Caller,
        kind: Annotated[str | None, one_of(CertificateKind)] = None,
        offset: Annotated[str | None, PRINT_OFFSET] = None,
    ) -> Response[bytes]:
        chosen, moved = parse_kind(kind), parse_offset(offset)
        data = await issuer.artefacts.test_print(principal, chosen, moved)
        return private_pdf(f"test-print-{chosen.value}.pdf", data)

    @get(
        "/batches/{batch_id:int}/certificates.zip",
        media_type="application/zip",
        **documented(
            "getBatchCertificatesZip",
            "批次证书 PDF 压缩包 / the batch's certificates, one PDF each, zipped",
            description=(
                "One PDF per valid certificate (`{number}.pdf`, `*` written `_x`) and `manifest.csv` (number, file, "
                "note: no photo, not drawable, revoked or superseded). Built once and kept until the batch changes; "
                "a change redraws only the certificates it touched. Each download is a `batch.documents` event."
            ),
            errors=_FILE_ERRORS,
            answers=_binary("application/zip", "ZIP"),
        ),
    )
    async def certificates_zip(
        self, batch_id: BatchId, issuer: Runtime, principal: Caller, variant: VariantChoice = None
    ) -> Stream:
        chosen = parse_variant(variant)
        found = await issuer.artefacts.batch_file(principal, batch_id, ArtefactKind.CERTIFICATES_ZIP, chosen.value)
        return _stream(found)

    @get(
        "/batches/{batch_id:int}/certificates.pdf",
        media_type="application/pdf",
        **documented(
            "getBatchCertificatesPdf",
            "批次套打 PDF（一个文件） / the batch's print pages in one file",
            description=(
                "The print variant of every valid certificate, one page each, in row order, for the printer. Kept "
                "until the batch changes. Each download is a `batch.documents` event."
            ),
            errors=_FILE_ERRORS,
            answers=_binary("application/pdf", "PDF"),
        ),
    )
    async def certificates_pdf(self, batch_id: BatchId, issuer: Runtime, principal: Caller) -> Stream:
        kind = ArtefactKind.CERTIFICATES_PDF
        return _stream(await issuer.artefacts.batch_file(principal, batch_id, kind, Variant.PRINT.value))

    @get(
        "/batches/{batch_id:int}/qr.zip",
        media_type="application/zip",
        **documented(
            "getBatchQrZip",
            "批次二维码压缩包 / the batch's QR codes",
            description=(
                "`{number}.svg` and `{number}.png` per certificate and `manifest.csv` (number, svg, png). "
                "`mode=short` encodes the short look-up URL instead of the signed token. Built once, kept."
            ),
            errors=(400, 401, 403, 404, 409),  # no sealed value is opened,
            answers=_binary("application/zip", "ZIP"),
        ),
    )
    async def qr_zip(
        self, batch_id: BatchId, issuer: Runtime, principal: Caller, mode: Annotated[str | None, one_of(Mode)] = None
    ) -> Stream:
        chosen = parse_mode(mode)
        return _stream(await issuer.artefacts.batch_file(principal, batch_id, ArtefactKind.QR_ZIP, chosen.value))

    @post(
        "/batches/{batch_id:int}/photos",
        status_code=200,
        request_max_body_size=64 * 1024 * 1024,
        **documented(
            "uploadBatchPhotos",
            "上传持证人照片 / upload holder photos",
            description=(
                "Multipart field `file`: a zip of JPEG/PNG photos, each named by the holder's document number "
                "(`430102199001011234.jpg`). Each is checked (type by content, ≤ 200 KB, pixels, portrait), stored "
                "sealed, and drawn in the photo box. Problems come back per file (its position in the zip) and per "
                "row, never with a document number; rows without a photo are listed (their box stays empty)."
            ),
            form=PHOTOS_FORM,
            errors=(400, 401, 403, 404, 413, 415, 422),
            answers={200: ok(PhotoReport, "逐项结果 / what was stored, and why not", examples.PHOTO_REPORT)},
        ),
    )
    async def photos(
        self, batch_id: BatchId, request: Request[Any, Any, Any], issuer: Runtime, principal: Caller
    ) -> PhotoReport:
        form = await read_form(request, max_bytes=issuer.settings.issuing.max_upload_bytes, fields=("file",))
        return await upload_photos(issuer.database, issuer.settings, principal, batch_id, form.data)


ARTEFACT_ROUTES = [DocumentController]
