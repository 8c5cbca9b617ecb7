"""Holder photos for a batch: a zip of JPEG/PNG files named by document number, checked and stored sealed.

Each file is matched to the batch's rows by the keyed index of its name (the document number, under each
document type the batch holds), never by reading a sealed number; checked by
:func:`issuer.documents.photos.check_photo`; sealed under the day's data key (purpose ``photo``, bound to
``holder:<id>``, like the document number, ``docs/identity.md``) into ``holder_identity.photo_sealed``.
Problems are reported per file by its **position in the zip** and per row by its **row number**: a file name
is a document number, so it is never echoed. A ``batch.photos`` event records how many were stored and how
many rows still have none; the batch's kept certificate files are rebuilt on their next download.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime
from pathlib import PurePosixPath
from typing import Final

import msgspec
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.auth.policy import Action, authorise, batch_target
from issuer.auth.principal import Principal
from issuer.batches.events import subject_of
from issuer.batches.store import get_batch, row_identities
from issuer.documents.photos import MAX_BYTES, check_photo
from issuer.errors import UploadError
from issuer.identity.kek import kek_for_sealing
from issuer.identity.sealer import DEFAULT_POLICY, identity_binding
from registry.calendar import province_day
from registry.config import Settings
from registry.db import Database
from registry.events import EventKind, NewEvent, append_event
from registry.identity.index import document_digest
from registry.identity.sealing.envelope import SealPurpose, seal
from registry.identity.sealing.ring import DataKeyRing
from registry.identity.sealing.store import count_sealed, store_data_key, usable_key
from registry.models import HolderIdentity, Institution
from registry.rules.document_types import DocumentType
from registry.rules.documents import normalise_document_number

#: Entries beyond this many rows + slack are refused whole (a zip of junk, or a zip bomb of tiny files).
EXTRA_ENTRIES: Final = 50
_SUFFIXES: Final = (".jpg", ".jpeg", ".png")
REASON: Final = "上传持证人照片 / holder photos uploaded"


class PhotoProblem(msgspec.Struct, frozen=True, kw_only=True):
    """One file that was not stored: its position in the zip (1-based), the row it matched if any."""

    file: int
    row: int | None
    code: str
    message_zh: str
    message_en: str


class PhotoReport(msgspec.Struct, frozen=True, kw_only=True):
    """What an upload did: stored per row, the problems, and the rows still without a photo."""

    batch_id: int
    stored_rows: list[int]
    problems: list[PhotoProblem]
    rows_without_photo: list[int]
    event_id: int | None


def _problem(file: int, row: int | None, code: str, zh: str, en: str) -> PhotoProblem:
    return PhotoProblem(file=file, row=row, code=code, message_zh=zh, message_en=en)


def _entries(data: bytes | None, limit: int) -> list[tuple[int, str, zipfile.ZipInfo, zipfile.ZipFile]]:
    if not data:
        raise UploadError("缺少照片压缩包（字段 file） / no zip of photos in the field file", status=400,
                          code="upload.missing")  # fmt: skip
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UploadError("照片须打包为 ZIP 文件上传 / photos must come as one ZIP file", code="upload.zip") from None
    files = [
        info for info in archive.infolist()
        if not info.is_dir() and not PurePosixPath(info.filename).name.startswith(".")
        and not info.filename.startswith("__MACOSX/")
    ]  # fmt: skip
    if len(files) > limit:
        raise UploadError(f"压缩包内文件过多（{len(files)} 个，至多 {limit}） / too many files in the zip "
                          f"({len(files)}; at most {limit})", code="upload.zip_entries")  # fmt: skip
    return [(position, PurePosixPath(info.filename).name, info, archive) for position, info in enumerate(files, 1)]


class _Row(msgspec.Struct, frozen=True):
    row_no: int
    identity_id: str
    document_type: str
    digest: bytes
    has_photo: bool


async def _rows(session: AsyncSession, batch_id: int) -> list[_Row]:
    return [_Row(*row) for row in await row_identities(session, batch_id)]


def _unknown(position: int) -> PhotoProblem:
    zh = f"第 {position} 个文件：文件名不是本批次任何一行的证件号码（应为 证件号码.jpg 或 .png）"
    en = f"file {position}: its name is no document number of this batch's rows (name files <number>.jpg or .png)"
    return _problem(position, None, "photo.unknown", zh, en)


def _duplicate(position: int, row_no: int, first: int) -> PhotoProblem:
    zh = f"第 {position} 个文件：第 {row_no} 行已有照片（第 {first} 个文件）"
    en = f"file {position}: row {row_no} already has a photo in this zip (file {first})"
    return _problem(position, row_no, "photo.duplicate", zh, en)


def _checked(position: int, rows: list[_Row], info: zipfile.ZipInfo, archive: zipfile.ZipFile) -> list[PhotoProblem]:
    # a file over the limit is not even read: its declared size says enough (a zip bomb never inflates)
    found = check_photo(archive.read(info)) if info.file_size <= MAX_BYTES else check_photo(b"\0" * (MAX_BYTES + 1))[:1]
    return [
        _problem(position, row.row_no, p.code, f"第 {position} 个文件（第 {row.row_no} 行）：{p.message_zh}",
                 f"file {position} (row {row.row_no}): {p.message_en}")
        for p in found for row in rows
    ]  # fmt: skip


#: Where a usable photo is: read again when it is sealed, so memory holds one photo at a time.
Found = tuple[zipfile.ZipFile, zipfile.ZipInfo]


def match_photos(data: bytes | None, rows: list[_Row], secret: bytes) -> tuple[dict[str, Found], list[PhotoProblem]]:
    """Each usable photo of the zip by the identity it belongs to, and the problems of the others."""
    by_digest: dict[bytes, list[_Row]] = {}
    for row in rows:
        by_digest.setdefault(row.digest, []).append(row)
    types = sorted({DocumentType(row.document_type) for row in rows}, key=lambda t: t.value)
    problems: list[PhotoProblem] = []
    chosen: dict[str, Found] = {}
    first_file: dict[int, int] = {}
    for position, name, info, archive in _entries(data, len(rows) + EXTRA_ENTRIES):
        stem, _, suffix = name.rpartition(".")
        number = normalise_document_number(stem)
        digests = (document_digest(secret, kind, number) for kind in types)
        matched = next((by_digest[digest] for digest in digests if digest in by_digest), None)
        if matched is None or f".{suffix.lower()}" not in _SUFFIXES:
            problems.append(_unknown(position))
            continue
        first_row = matched[0].row_no
        if first_row in first_file:
            problems.append(_duplicate(position, first_row, first_file[first_row]))
            continue
        first_file[first_row] = position
        found = _checked(position, matched, info, archive)
        if found:
            problems.extend(found)
            continue
        for row in matched:
            chosen[row.identity_id] = (archive, info)
    return chosen, problems


async def _seal(session: AsyncSession, settings: Settings, photos: dict[str, Found], today: date) -> None:
    """Seal each photo into its identity under the day's data key (as :mod:`issuer.identity.sealer` does)."""
    ring = DataKeyRing(await kek_for_sealing(session, settings))
    found = await usable_key(session, today, DEFAULT_POLICY.max_rows)
    if found is None:
        wrapped = ring.new_key(created_on=today)
        await store_data_key(session, wrapped)
    else:
        wrapped = found[0]
        ring.add(wrapped)
        ring.use(wrapped.dk_id)
    for identity_id, (archive, info) in photos.items():
        content = archive.read(info)
        sealed = seal(ring.active, content, purpose=SealPurpose.PHOTO, binding=identity_binding(identity_id))
        await session.execute(
            update(HolderIdentity).where(HolderIdentity.id == identity_id).values(photo_sealed=sealed)
        )
    await count_sealed(session, wrapped.dk_id, len(photos))


async def upload_photos(
    database: Database, settings: Settings, caller: Principal, batch_id: int, data: bytes | None, *,
    today: date | None = None,
) -> PhotoReport:  # fmt: skip
    """Check and store the photos of ``data`` for the batch's rows. Raises :class:`NotFoundError`,
    :class:`Forbidden`, :class:`UploadError` (no zip, not a zip, too many files); every per-file problem is
    in the report instead."""
    today = today or province_day(datetime.now(UTC))
    async with database.transaction() as session:
        batch = await get_batch(session, batch_id)
        institution = await session.get(Institution, batch.institution_code)
        assert institution is not None  # foreign key
        authorise(caller, Action.PHOTOS, batch_target(batch_id, institution.code, institution.region_code, batch.kind))
        rows = await _rows(session, batch_id)
        chosen, problems = match_photos(data, rows, settings.keys.id_hash_secret())
        stored = sorted(row.row_no for row in rows if row.identity_id in chosen)
        without = [row.row_no for row in rows if not row.has_photo and row.identity_id not in chosen]
        event_id = None
        if chosen:
            await _seal(session, settings, chosen, today)
            event = NewEvent(kind=EventKind.BATCH_PHOTOS, subject=subject_of(batch_id), actor=caller.actor,
                             reason=REASON, details={"stored": len(chosen), "without_photo": len(without)},
                             at=datetime.now(UTC))  # fmt: skip
            event_id = await append_event(session, event)
    return PhotoReport(batch_id=batch_id, stored_rows=stored, problems=problems, rows_without_photo=without,
                       event_id=event_id)  # fmt: skip
