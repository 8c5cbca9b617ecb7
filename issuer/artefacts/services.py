"""Downloads of certificate documents and QR archives: authorise, build once, log, hand out the file.

Who may: :data:`issuer.auth.policy.Action.DOCUMENTS` for certificate documents (they show the holder's full
document number), :data:`~issuer.auth.policy.Action.CERTIFICATES` for QR archives. Every certificate
document handed out is an event committed **before** its bytes leave: ``certificate.document`` (one
certificate: who, which number, which variant) or ``batch.documents`` (who, which batch, which format and
variant, how many certificates). docs/identity.md's rule "every read of a full identity is a logged event"
holds; the batch event stands for every identity in the file (one leaf, not one per holder).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Final

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.artefacts import build
from issuer.artefacts.sources import (
    Unsealed,
    batch_fingerprint,
    batch_members,
    load_documents,
    qr_fingerprint,
)
from issuer.artefacts.store import ArtefactKind, Built, FileStore, kept, store_row
from issuer.auth.policy import Action, authorise, batch_target
from issuer.auth.principal import Principal
from issuer.batches.events import subject_of
from issuer.batches.store import get_batch
from issuer.documents.errors import DocumentError
from issuer.documents.model import CertificateDocument, Variant
from issuer.documents.render import print_offset, render_certificate, render_test_print
from issuer.errors import BatchStateError, InvalidInputError
from issuer.issuing.corrections import check_number
from issuer.issuing.lookups import authorised_certificate
from issuer.qr import Mode, file_stem
from registry.certificates import StatusInfo, status_of
from registry.config import Settings, SettingsError, parse_offset_mm
from registry.db import Database
from registry.events import DetailValue, EventKind, NewEvent, append_event
from registry.models import Certificate, Event, Institution
from registry.rules.policy import ProvinceProfile
from registry.vocab import CertificateKind, CertificateStatus

DOWNLOAD_REASON: Final = "下载证书文件 / certificate documents downloaded"


class Download(msgspec.Struct, frozen=True, kw_only=True):
    """A kept file, opened: stream ``size`` bytes of ``handle`` (the file may be rebuilt meanwhile; the open
    handle keeps the bytes this answer started with)."""

    handle: IO[bytes]
    size: int
    file_name: str
    media_type: str
    sha256: bytes
    rendered: int  # certificates drawn for this answer (0: served from the kept file)


class Artefacts:
    """The build-once service of one deployment: settings, database, file store, worker processes."""

    def __init__(self, database: Database, settings: Settings, *, processes: int | None = None) -> None:
        self.database, self.settings, self.processes = database, settings, processes
        self.store = FileStore(settings.documents_path)

    async def _photos_stamp(self, session: AsyncSession, batch_id: int) -> int:
        stamp = await session.scalar(
            select(func.max(Event.idx)).where(
                Event.subject == subject_of(batch_id), Event.kind == EventKind.BATCH_PHOTOS.value
            )
        )
        return int(stamp or 0)

    def render_key(self, variant: str) -> str:
        """What a drawn certificate file reflects besides the batch: the fallback fonts and, for the print
        variant, the print offset that applies (setting or profile). A kept file drawn under another key is
        stale: changing ``CERTREG_PRINT_OFFSET_MM`` redraws the print files, never serves the old ones."""
        fonts = "|".join(self.settings.documents.fallback_font_paths())
        if variant != Variant.PRINT.value:
            return f"fonts={fonts}"
        x, y = print_offset(self.settings.issuing.profile, self.settings.documents.print_offset())
        return f"offset={x:.2f},{y:.2f};fonts={fonts}"

    async def _revision(
        self, session: AsyncSession, batch_id: int, kind: ArtefactKind, variant: str
    ) -> tuple[str, str]:
        """The batch's revision of the file and the stamp each member's revision carries."""
        if kind is ArtefactKind.QR_ZIP:
            return await qr_fingerprint(session, batch_id), "0"
        stamp = await self._photos_stamp(session, batch_id)
        fingerprint = await batch_fingerprint(session, batch_id, photos_stamp=stamp)
        key = self.render_key(variant)
        revision = hashlib.sha256(f"{fingerprint};{key}".encode()).hexdigest()  # the column holds 64
        return revision, f"{stamp}.{hashlib.sha256(key.encode()).hexdigest()[:16]}"

    async def _fresh(self, batch_id: int, kind: ArtefactKind, variant: str) -> tuple[Built | None, str, str]:
        async with self.database.reader() as session:
            revision, stamp = await self._revision(session, batch_id, kind, variant)
            row = await kept(session, batch_id, kind, variant)
        path = self.store.path(batch_id, kind, variant)
        if row is not None and row.revision == revision and path.exists():
            built = Built(path=str(path), revision=row.revision, sha256=row.sha256, size=row.size,
                          members=row.members, failures=row.failures, rendered=0)  # fmt: skip
            return built, revision, stamp
        return None, revision, stamp

    async def ensure(
        self, batch_id: int, kind: ArtefactKind, variant: str, *, progress: build.Progress | None = None
    ) -> Built:
        """The kept file of the batch, built (or rebuilt from what changed) when it is missing or stale.
        Concurrent callers build once: the others wait on the lock and find it fresh."""
        found, _, _ = await self._fresh(batch_id, kind, variant)
        if found is not None:
            return found
        async with self.store.lock(batch_id, kind, variant):
            found, revision, stamp = await self._fresh(batch_id, kind, variant)
            if found is not None:
                return found
            async with self.database.reader() as session:
                members = await batch_members(session, batch_id, changes=kind is not ArtefactKind.QR_ZIP)
                profile = self.settings.issuing.profile
            job = build.BuildJob(
                batch_id=batch_id, kind=kind, variant=variant, revision=revision, members=members,
                member_stamp=stamp, profile=profile, public_url=self.settings.server.public_url,
                processes=self.processes, offset_mm=self.settings.documents.print_offset(),
                fallbacks=self.settings.documents.fallback_font_paths(),
            )  # fmt: skip
            built = await self._run(job, progress)
            async with self.database.transaction() as session:
                await store_row(session, batch_id, kind, variant, built)
            return built

    async def _run(self, job: build.BuildJob, progress: build.Progress | None) -> Built:
        loop = asyncio.get_running_loop()
        if job.kind is ArtefactKind.QR_ZIP:
            return await asyncio.to_thread(build.build_qr_zip, job, self.store, loop, self._tokens, progress)
        maker = (
            build.build_certificates_zip if job.kind is ArtefactKind.CERTIFICATES_ZIP else build.build_certificates_pdf
        )
        return await asyncio.to_thread(maker, job, self.store, loop, self._documents, progress)

    async def _documents(self, numbers: Sequence[str]) -> list[CertificateDocument | Unsealed]:
        async with self.database.reader() as session:
            return await load_documents(session, self.settings, numbers)

    async def _tokens(self, numbers: Sequence[str]) -> list[tuple[str, bytes, bytes]]:
        async with self.database.reader() as session:
            rows = await session.execute(
                select(Certificate.number, Certificate.statement, Certificate.signature).where(
                    Certificate.number.in_(numbers)
                )
            )
            found = {number: (number, statement, signature) for number, statement, signature in rows}
        return [found[number] for number in numbers]

    async def check_batch(self, caller: Principal, batch_id: int, action: Action) -> None:
        """Refuse before anything is built: :class:`NotFoundError`, :class:`Forbidden`, or
        :class:`BatchStateError` when the batch has no certificate yet."""
        async with self.database.reader() as session:
            batch = await get_batch(session, batch_id)
            institution = await session.get(Institution, batch.institution_code)
            assert institution is not None  # foreign key
            authorise(caller, action, batch_target(batch_id, institution.code, institution.region_code, batch.kind))
            first = await session.scalar(select(Certificate.number).where(Certificate.batch_id == batch_id).limit(1))
        if first is None:
            raise BatchStateError(f"批次 {batch_id} 尚未发证 / batch {batch_id} has no certificates yet")

    async def batch_file(
        self, caller: Principal, batch_id: int, kind: ArtefactKind, variant: str,
        *, progress: build.Progress | None = None,
    ) -> Download:  # fmt: skip
        """The batch's file of ``kind``, opened; for certificate documents the ``batch.documents`` event is
        committed first. Raises as :meth:`check_batch`."""
        action = Action.CERTIFICATES if kind is ArtefactKind.QR_ZIP else Action.DOCUMENTS
        await self.check_batch(caller, batch_id, action)
        built = await self.ensure(batch_id, kind, variant, progress=progress)
        handle = await asyncio.to_thread(Path(built.path).open, "rb")  # closed by the stream that sends it
        if kind is not ArtefactKind.QR_ZIP:
            details: dict[str, DetailValue] = {
                "format": kind.extension, "variant": variant, "certificates": built.members,
                "sha256": built.sha256.hex(),
            }  # fmt: skip
            event = NewEvent(kind=EventKind.BATCH_DOCUMENTS, subject=subject_of(batch_id), actor=caller.actor,
                             reason=DOWNLOAD_REASON, details=details, at=datetime.now(UTC))  # fmt: skip
            try:
                async with self.database.transaction() as session:
                    await append_event(session, event)
            except BaseException:
                handle.close()
                raise
        qr = "qr" if variant == Mode.TOKEN.value else f"qr-{variant}"  # the short links' archive: a name of its own
        suffix = {ArtefactKind.QR_ZIP: qr, ArtefactKind.CERTIFICATES_ZIP: f"certificates-{variant}",
                  ArtefactKind.CERTIFICATES_PDF: "certificates-print"}[kind]  # fmt: skip
        media = "application/pdf" if kind is ArtefactKind.CERTIFICATES_PDF else "application/zip"
        return Download(handle=handle, size=built.size, file_name=f"batch-{batch_id}-{suffix}.{kind.extension}",
                        media_type=media, sha256=built.sha256, rendered=built.rendered)  # fmt: skip

    async def certificate_pdf(
        self, caller: Principal, profile: ProvinceProfile, number: str, variant: Variant, *, today: date
    ) -> tuple[str, bytes]:
        """``(file name, PDF)`` of one certificate, and its ``certificate.document`` event (committed before
        the bytes are returned). Raises :class:`InvalidInputError` (malformed number), :class:`NotFoundError`,
        :class:`Forbidden`, :class:`BatchStateError` (revoked or superseded, no sealed document number, or not
        drawable)."""
        number = check_number(profile, number, today=today)
        async with self.database.reader() as session:
            await authorised_certificate(session, caller, number, (Action.DOCUMENTS,))
            status = await status_of(session, number)
            if status.status is not CertificateStatus.VALID:  # as the batch's files, which leave it out
                raise BatchStateError(_not_valid_message(number, status))
            (document,) = await load_documents(session, self.settings, [number])
        if isinstance(document, Unsealed):
            raise BatchStateError(f"证书 {number}：{document.message}")
        try:
            data = await asyncio.to_thread(
                render_certificate, document, profile=self.settings.issuing.profile, variant=variant,
                offset_mm=self.settings.documents.print_offset(),
                fallbacks=self.settings.documents.fallback_font_paths(),
            )  # fmt: skip
        except DocumentError as exc:
            raise BatchStateError(
                f"证书 {number} 无法生成证书文件 / certificate {number} cannot be drawn: {exc}"
            ) from None
        event = NewEvent(kind=EventKind.CERTIFICATE_DOCUMENT, subject=number, actor=caller.actor,
                         reason=DOWNLOAD_REASON, details={"variant": variant.value}, at=datetime.now(UTC))  # fmt: skip
        async with self.database.transaction() as session:
            await append_event(session, event)
        return f"{file_stem(number)}-{variant.value}.pdf", data

    async def test_print(
        self, caller: Principal, kind: CertificateKind, offset_mm: tuple[float, float] | None
    ) -> bytes:
        """The test page of ``kind``'s blank stock at ``offset_mm`` (``None``: the offset the print files use,
        :meth:`render_key`). Holds no personal data: not an event. Raises :class:`Forbidden`."""
        authorise(caller, Action.TEST_PRINT)
        return await asyncio.to_thread(draw_test_print, self.settings, kind, offset_mm)


def draw_test_print(settings: Settings, kind: CertificateKind, offset_mm: tuple[float, float] | None) -> bytes:
    """The test page (route and CLI): at ``offset_mm``, else ``CERTREG_PRINT_OFFSET_MM``, else the profile's."""
    chosen = offset_mm if offset_mm is not None else settings.documents.print_offset()
    return render_test_print(
        settings.issuing.profile, kind, offset_mm=chosen, fallbacks=settings.documents.fallback_font_paths()
    )


def parse_kind(text: str | None) -> CertificateKind:
    """A certificate kind (``skill_level``…); raises :class:`InvalidInputError` (``kind.unknown``)."""
    try:
        return CertificateKind((text or "").strip().lower())
    except ValueError:
        known = ", ".join(kind.value for kind in CertificateKind)
        raise InvalidInputError(
            f"kind 须为以下之一：{known} / kind must be one of: {known}", field="kind", code="kind.unknown"
        ) from None


def parse_offset(text: str | None) -> tuple[float, float] | None:
    """``x,y`` in mm (each within ±20) or ``None`` when absent; raises :class:`InvalidInputError`
    (``offset.invalid``) naming what is expected, never echoing more than the value given."""
    if text is None or not text.strip():
        return None
    try:
        return parse_offset_mm(text, name="offset")
    except SettingsError as exc:
        message = str(exc).removeprefix("配置错误 / bad setting ")
        raise InvalidInputError(message, field="offset", code="offset.invalid") from None


def parse_variant(text: str | None, *, default: Variant = Variant.ELECTRONIC) -> Variant:
    """``print`` or ``electronic``; raises :class:`InvalidInputError` (``variant.unknown``) for anything else."""
    if text is None:
        return default
    try:
        return Variant(text.strip().lower())
    except ValueError:
        raise InvalidInputError(
            "variant 须为 print（套打）或 electronic（电子证书） / variant must be print or electronic",
            field="variant",
            code="variant.unknown",
        ) from None


def parse_mode(text: str | None) -> Mode:
    """``token`` (default) or ``short``; raises :class:`InvalidInputError` (``mode.unknown``)."""
    if text is None:
        return Mode.TOKEN
    try:
        return Mode(text.strip().lower())
    except ValueError:
        raise InvalidInputError(
            "mode 须为 token 或 short / mode must be token or short", field="mode", code="mode.unknown"
        ) from None


def _not_valid_message(number: str, status: StatusInfo) -> str:
    """Why a revoked or superseded certificate gets no document; a superseded one names its successor, whose
    document the caller wants (the status alone, 已换发, also called a 补发 under a new number a 换发)."""
    successor = status.superseded_by
    if status.status is CertificateStatus.SUPERSEDED and successor is not None:
        return (
            f"证书 {number} 已被新证书 {successor} 取代（补发或换发），不再生成证书文件；请下载 {successor} 的证书文件"
            f" / certificate {number} is superseded by {successor}: no document is made for it; download "
            f"{successor}'s document"
        )
    return (
        f"证书 {number} 当前状态为{status.status.label_zh}，不再生成证书文件 / certificate {number} is "
        f"{status.status.value}: no document is made for it"
    )
