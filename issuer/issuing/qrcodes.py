"""QR codes of issued certificates: one at a time, or a whole batch as a streamed zip archive.

The zip holds ``{number}.svg`` and ``{number}.png`` per certificate, in row order — with ``*`` (the MOD 37-2
check character, not allowed in a Windows file name) written ``_x`` — and last a ``manifest.csv``
(number, svg, png) that maps the files back to the numbers. It is written page by
page (keyset pagination on the row number): each page is read, drawn on a worker thread (segno is pure
Python, ~10 ms a certificate) and handed to the response as soon as it is compressed, so a 100,000-row
batch never sits in memory as images, and the event loop keeps serving other requests meanwhile.
"""

from __future__ import annotations

import asyncio
import zipfile
from collections.abc import AsyncIterator, Sequence
from datetime import date

import msgspec
from sqlalchemy import select

from issuer.auth.policy import Action, authorise, batch_target
from issuer.auth.principal import Principal
from issuer.batches.store import get_batch
from issuer.errors import BatchStateError
from issuer.issuing.corrections import check_number
from issuer.issuing.lookups import authorised_certificate
from issuer.qr import Mode, file_stem, make_code, png_bytes, qr_url, svg_bytes
from registry.db import Database
from registry.models import Certificate, Institution
from registry.rules.freetext import spreadsheet_safe
from registry.rules.policy import ProvinceProfile

PAGE = 200
MANIFEST = "manifest.csv"


class QrSource(msgspec.Struct, frozen=True):
    """What a certificate's QR code is drawn from."""

    number: str
    statement: bytes
    signature: bytes
    issued_on: date


async def certificate_qr_source(
    database: Database, profile: ProvinceProfile, number: str, *, caller: Principal, today: date
) -> QrSource:
    """The certificate behind a QR request. Raises :class:`InvalidInputError` (malformed number, checked
    before any look-up), :class:`NotFoundError`, :class:`Forbidden`."""
    number = check_number(profile, number, today=today)
    async with database.reader() as session:
        certificate, _ = await authorised_certificate(session, caller, number)
        return QrSource(certificate.number, certificate.statement, certificate.signature, certificate.issued_on)


async def check_batch_qr(database: Database, batch_id: int, *, caller: Principal) -> None:
    """Refuse before the stream starts: :class:`NotFoundError`, :class:`Forbidden`, or
    :class:`BatchStateError` when the batch has no certificate yet."""
    async with database.reader() as session:
        batch = await get_batch(session, batch_id)
        institution = await session.get(Institution, batch.institution_code)
        assert institution is not None  # foreign key
        authorise(caller, Action.CERTIFICATES, batch_target(batch_id, institution.code, institution.region_code))
        first = await session.scalar(select(Certificate.number).where(Certificate.batch_id == batch_id).limit(1))
    if first is None:
        raise BatchStateError(f"批次 {batch_id} 尚未发证 / batch {batch_id} has no certificates yet")


class _Sink:
    """A write-only stream for :class:`zipfile.ZipFile` (no seek: entries get data descriptors)."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Nothing is buffered here; :meth:`drain` hands out what was written."""

    def drain(self) -> bytes:
        data, self._parts = b"".join(self._parts), []
        return data


def _draw(
    archive: zipfile.ZipFile, sink: _Sink, page: Sequence[QrSource], public_url: str, mode: Mode, *, manifest: list[str]
) -> bytes:
    for source in page:
        code = make_code(qr_url(public_url, number=source.number, statement=source.statement,
                                signature=source.signature, mode=mode))  # fmt: skip
        stamp = (*source.issued_on.timetuple()[:3], 0, 0, 0)
        stem = file_stem(source.number)
        svg = zipfile.ZipInfo(f"{stem}.svg", date_time=stamp)
        svg.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(svg, svg_bytes(code, title=source.number))
        png = zipfile.ZipInfo(f"{stem}.png", date_time=stamp)  # already deflate-compressed
        archive.writestr(png, png_bytes(code))
        cells = (source.number, f"{stem}.svg", f"{stem}.png")  # a legacy number may start with - or +
        manifest.append(",".join(spreadsheet_safe(cell) for cell in cells) + "\r\n")
    return sink.drain()


def _write_manifest(archive: zipfile.ZipFile, sink: _Sink, manifest: list[str]) -> bytes:
    """``manifest.csv`` (number, svg, png): which files are which certificate, since a file name is not
    always the number (:func:`issuer.qr.file_stem`). UTF-8 with BOM so Excel opens it as such."""
    entry = zipfile.ZipInfo(MANIFEST)
    entry.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(entry, ("\ufeffnumber,svg,png\r\n" + "".join(manifest)).encode())
    return sink.drain()


async def batch_qr_zip(database: Database, batch_id: int, *, public_url: str, mode: Mode) -> AsyncIterator[bytes]:
    """The zip archive of the batch's QR codes, chunk by chunk (call :func:`check_batch_qr` first)."""
    sink = _Sink()
    archive = zipfile.ZipFile(sink, mode="w")  # type: ignore[call-overload]  # any object with write()
    last = -1
    manifest: list[str] = []
    while True:
        async with database.reader() as session:
            rows = (
                await session.execute(
                    select(
                        Certificate.number,
                        Certificate.statement,
                        Certificate.signature,
                        Certificate.issued_on,
                        Certificate.batch_row_no,
                    )
                    .where(Certificate.batch_id == batch_id, Certificate.batch_row_no > last)
                    .order_by(Certificate.batch_row_no)
                    .limit(PAGE)
                )
            ).all()
        if not rows:
            break
        page = [
            QrSource(number, statement, signature, issued_on) for number, statement, signature, issued_on, _ in rows
        ]
        yield await asyncio.to_thread(_draw, archive, sink, page, public_url, mode, manifest=manifest)
        last = rows[-1].batch_row_no
    yield await asyncio.to_thread(_write_manifest, archive, sink, manifest)
    archive.close()
    yield sink.drain()
