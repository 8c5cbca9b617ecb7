"""``certreg feed export``: the province's upload to the national data-exchange system (``docs/feed.md``).

Every certificate event after ``since`` — issued, imported, revoked, reissued, replaced, reprinted — as one
:class:`FeedRecord` with the holder's full identity, **decrypted for this export only** (never cached, never
logged), the print serial valid after the event and the status the event set; written as NDJSON, CSV and
(up to :data:`XLSX_MAX_RECORDS` records) XLSX in the national field order, with a manifest (counts, SHA-256
and size of each file) signed by the province key. The export is itself an event (``feed.exported``: who,
why, which events, the manifest's SHA-256), appended before the files are written, so no file leaves without
its event. Records are read a page at a time, twice — hashed, then written — so memory stays flat.
"""

from __future__ import annotations

import asyncio
import codecs
import csv
import errno
import hashlib
import io
import os
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Final

import msgspec
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.auth.policy import Action, authorise
from issuer.auth.principal import Principal
from issuer.errors import IssuerError
from issuer.feed.fields import NATIONAL_FIELDS, FeedRecord
from issuer.feed.manifest import FORMAT, FeedFile, Manifest, as_json, file_entry, sign_manifest
from issuer.identity.reads import open_identity, ring_for
from issuer.issuing.corrections import check_reason
from issuer.issuing.exports import check_since
from issuer.keystore import KeyStore, signer_for
from registry.certificates import STATUS_EVENT_KINDS
from registry.config import Settings
from registry.db import Database
from registry.events import EventKind, NewEvent, append_event, decode_entry
from registry.keyring import load_keyset
from registry.models import Certificate, CertificatePrint, Event, HolderIdentity
from registry.rules.document_types import DocumentType
from registry.rules.policy import ProvinceProfile
from registry.vocab import CertificateStatus

PAGE: Final = 1000
#: An export with more records has no XLSX (a worksheet holds 1,048,576 rows; the workbook is built in memory):
#: the NDJSON and CSV carry the same records.
XLSX_MAX_RECORDS: Final = 100_000
FEED_KINDS: Final = (
    EventKind.CERTIFICATE_ISSUED.value,
    EventKind.CERTIFICATE_IMPORTED.value,
    *STATUS_EVENT_KINDS,
    EventKind.CERTIFICATE_REPRINTED.value,
)
_EVENT_NAMES: Final = {
    EventKind.CERTIFICATE_ISSUED.value: "issued",
    EventKind.CERTIFICATE_IMPORTED.value: "imported",
    EventKind.CERTIFICATE_REVOKED.value: "revoked",
    EventKind.CERTIFICATE_REISSUED.value: "reissued",
    EventKind.CERTIFICATE_REPLACED.value: "replaced",
    EventKind.CERTIFICATE_REPRINTED.value: "reprinted",
}


class FeedExistsError(IssuerError):
    """A file of this export is already in the output directory (exports never overwrite)."""


class FeedChangedError(IssuerError):
    """The second pass of an export did not give the bytes of the first (its files were removed)."""


class FeedResult(msgspec.Struct, frozen=True, kw_only=True):
    since: int
    last_event: int
    records: int
    files: list[str]
    event_id: int


async def _page(session: AsyncSession, after: int, until: int | None) -> list[Any]:
    query = (
        select(Event.idx, Event.kind, Event.at, Event.reason, Event.data, Certificate)
        .join(Certificate, Certificate.number == Event.subject)
        .where(Event.idx > after, Event.kind.in_(FEED_KINDS))
        .order_by(Event.idx)
        .limit(PAGE)
    )
    if until is not None:
        query = query.where(Event.idx <= until)
    return list((await session.execute(query)).all())


async def _identities(
    session: AsyncSession, settings: Settings, ids: set[str]
) -> dict[str, tuple[HolderIdentity, str]]:
    """Each identity with its full number, opened under the data keys it needs."""
    rows = list(await session.scalars(select(HolderIdentity).where(HolderIdentity.id.in_(sorted(ids))))) if ids else []
    if not rows:
        return {}
    ring = await ring_for(session, settings, [row.number_sealed for row in rows])
    return {row.id: (row, open_identity(ring, row)) for row in rows}


async def _serials(session: AsyncSession, numbers: set[str]) -> dict[str, list[tuple[int, str]]]:
    found: dict[str, list[tuple[int, str]]] = {}
    rows = await session.execute(
        select(CertificatePrint.number, CertificatePrint.log_index, CertificatePrint.serial)
        .where(CertificatePrint.number.in_(sorted(numbers)))
        .order_by(CertificatePrint.log_index)
    )
    for number, index, serial in rows:
        found.setdefault(number, []).append((index, serial))
    return found


def _status(kind: str, data: bytes) -> tuple[str, str]:
    if kind == EventKind.CERTIFICATE_REVOKED.value:
        return CertificateStatus.REVOKED.value, ""
    if kind in (EventKind.CERTIFICATE_REISSUED.value, EventKind.CERTIFICATE_REPLACED.value):
        successor = decode_entry(data).details.get("successor")
        return CertificateStatus.SUPERSEDED.value, successor if isinstance(successor, str) else ""
    return CertificateStatus.VALID.value, ""


async def pages(
    database: Database, settings: Settings, since: int, *, until: int | None = None
) -> AsyncIterator[list[FeedRecord]]:
    """The records of every feed event after ``since`` (up to ``until`` when given), identities decrypted, a
    page of :data:`PAGE` at a time (memory stays flat whatever the number of events)."""
    after = since
    while True:
        async with database.reader() as session:
            rows = await _page(session, after, until)
            if not rows:
                return
            identities = await _identities(
                session, settings, {r[5].holder_identity_id for r in rows if r[5].holder_identity_id}
            )
            prints = await _serials(session, {r[5].number for r in rows})
            imported = Event.kind == EventKind.CERTIFICATE_IMPORTED.value
            found = await session.execute(
                select(Event.subject, Event.reason).where(
                    imported, Event.subject.in_(sorted({r[5].number for r in rows}))
                )
            )
            origins: dict[str, str] = dict(found.all())
        yield [_record(row, identities, prints, origins) for row in rows]
        after = rows[-1][0]


def _record(
    row: Any,
    identities: dict[str, tuple[HolderIdentity, str]],
    prints: dict[str, list[tuple[int, str]]],
    origins: dict[str, str],
) -> FeedRecord:
    idx, kind, at, reason, data, cert = row
    identity, number = identities.get(cert.holder_identity_id or "", (None, ""))
    document = DocumentType(identity.document_type) if identity is not None else None
    status, successor = _status(kind, data)
    serial = next((s for index, s in reversed(prints.get(cert.number, [])) if index <= idx), "")
    return FeedRecord(
        event_id=idx, event=_EVENT_NAMES[kind], event_at=at.isoformat(), certificate_number=cert.number,
        certificate_kind=cert.kind, holder_name=cert.holder_name,
        gender=(identity.gender or "") if identity is not None else "",
        document_type_code=(document.national_code or "") if document is not None else "",
        document_type=document.value if document is not None else "",
        document_number=number, subject_type=cert.subject_type, subject_code=cert.subject_code,
        level=cert.level, institution_code=cert.institution_code, authority_code=cert.authority_code,
        issued_on=cert.issued_on.isoformat(), print_serial=serial, status=status, reason=reason,
        superseded_by=successor, origin=origins.get(cert.number, "").removeprefix("imported from "),
    )  # fmt: skip


class _Sink:
    """Bytes on their way to a file (or nowhere): their SHA-256 and size as they pass."""

    def __init__(self, handle: BinaryIO | None = None) -> None:
        self.sha256, self.size, self.handle = hashlib.sha256(), 0, handle

    def write(self, data: bytes) -> None:
        self.sha256.update(data)
        self.size += len(data)
        if self.handle is not None:
            self.handle.write(data)


def _csv_text(rows: Sequence[Sequence[str | int]]) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(rows)
    return text.getvalue().encode("utf-8")


#: The header of the CSV and of the XLSX: ``中文 field`` per column, in the national order.
_HEADER: Final = [f"{zh} {name}" for name, zh in NATIONAL_FIELDS]
_CSV_HEADER: Final = codecs.BOM_UTF8 + _csv_text([_HEADER])


class _Book:
    """The XLSX, kept while the export has at most :data:`XLSX_MAX_RECORDS` records (then dropped)."""

    def __init__(self) -> None:
        self.book: Workbook | None = Workbook(write_only=True)
        self.sheet = self.book.create_sheet("feed")
        self.sheet.append(_HEADER)  # the CSV's header, cell for cell (docs/feed.md: "same header and order")
        self.rows = 0

    def add(self, records: Sequence[FeedRecord]) -> None:
        if self.book is None:
            return
        self.rows += len(records)
        if self.rows > XLSX_MAX_RECORDS:
            self.discard()
            return
        for record in records:
            self.sheet.append(record.cells())

    def discard(self) -> None:
        """Drop the workbook: the write-only sheet spools to a temporary file (0600) holding full identities,
        removed now, not at the process's exit (where, left to openpyxl's own clean-up, a failed export also
        printed an 'Exception ignored … I/O operation on closed file' traceback after its message)."""
        if self.book is None:
            return
        self.book = None
        self.sheet.close()
        self.sheet._writer.cleanup()

    def bytes(self) -> bytes | None:
        if self.book is None:
            return None
        out = io.BytesIO()
        self.book.save(out)
        return out.getvalue()


async def _in_thread_to_the_end(add: Callable[[list[FeedRecord]], None], page: list[FeedRecord]) -> None:
    """``add(page)`` in a thread; cancelled (Ctrl-C), it still waits for the thread before it raises: the
    export's clean-up closes the workbook, which the thread may be writing ("generator already executing",
    a traceback instead of the interrupted line)."""
    adding = asyncio.ensure_future(asyncio.to_thread(add, page))
    try:
        await asyncio.shield(adding)
    except asyncio.CancelledError:
        await asyncio.wait([adding])
        raise


class _Written(msgspec.Struct, kw_only=True):
    last: int
    counts: dict[str, int]


async def _stream(
    database: Database, settings: Settings, since: int, ndjson: _Sink, table: _Sink, *, until: int | None,
    book: _Book | None = None,
) -> _Written:  # fmt: skip
    """One pass over the feed's records into the NDJSON and CSV sinks (and the workbook)."""
    encoder = msgspec.json.Encoder()
    written = _Written(last=since, counts={"records": 0})
    table.write(_CSV_HEADER)
    async for page in pages(database, settings, since, until=until):
        ndjson.write(b"".join(encoder.encode(record) + b"\n" for record in page))
        table.write(_csv_text([record.cells() for record in page]))
        if book is not None:
            await _in_thread_to_the_end(book.add, page)
        for record in page:
            written.counts[record.event] = written.counts.get(record.event, 0) + 1
        written.counts["records"] += len(page)
        written.last = page[-1].event_id
    return written


async def export_feed(
    database: Database,
    settings: Settings,
    keystore: KeyStore,
    profile: ProvinceProfile,
    caller: Principal,
    *,
    since: int,
    out_dir: Path,
    reason: str,
    now: datetime | None = None,
) -> FeedResult:
    """Export every feed event after ``since`` into ``out_dir`` (see the module docstring), streamed twice:
    once to count and hash (the manifest, signed, and its event appended), once to write the files, each
    checked against its manifest entry. The XLSX is written when the export has at most
    :data:`XLSX_MAX_RECORDS` records.

    Raises :class:`issuer.errors.Forbidden` (not the province admin), ``InvalidInputError`` (reason),
    :class:`FeedExistsError`, :class:`FeedChangedError`, ``ConflictError`` (no active province key) and the
    sealing errors."""
    authorise(caller, Action.FEED)
    reason = check_reason(reason)
    await check_since(database, since)
    made = _prepare(out_dir)
    try:
        return await _export(
            database, settings, keystore, profile, caller, since=since, out_dir=out_dir, reason=reason, now=now
        )
    except BaseException:  # a wrong passphrase, a missing KEK …: no empty directory of ours is left behind
        _remove_empty(out_dir, made)
        raise


async def _export(
    database: Database, settings: Settings, keystore: KeyStore, profile: ProvinceProfile, caller: Principal, *,
    since: int, out_dir: Path, reason: str, now: datetime | None,
) -> FeedResult:  # fmt: skip
    """:func:`export_feed` once its directory is ready."""
    now = now or datetime.now(UTC)
    sinks, book = (_Sink(), _Sink()), _Book()
    try:
        written = await _stream(database, settings, since, *sinks, until=None, book=book)
    except BaseException:  # a wrong passphrase, a missing KEK, an identity that does not open …
        book.discard()
        raise
    last, records = written.last, written.counts["records"]
    xlsx = await asyncio.to_thread(book.bytes)
    stem = f"feed-{since + 1}-{last}"
    names = {ext: f"{stem}.{ext}" for ext in ("ndjson", "csv")} | ({"xlsx": f"{stem}.xlsx"} if xlsx else {})
    paths = {ext: out_dir / name for ext, name in names.items()} | {"manifest": out_dir / f"{stem}.manifest.json"}
    taken = [str(p) for p in paths.values() if p.exists()]
    if taken:
        raise FeedExistsError(f"导出文件已存在 / export files already exist: {', '.join(taken)}")
    entries = [_entry(names[ext], sink, records) for ext, sink in zip(("ndjson", "csv"), sinks, strict=True)]
    if xlsx:
        entries.append(file_entry(names["xlsx"], xlsx, records))
    async with database.transaction() as session:
        signer = signer_for(await load_keyset(session), keystore, profile.province_region)
        manifest = Manifest(
            format=FORMAT, province=profile.province_region, since=since, last_event=last,
            created_at=now.isoformat(), counts=written.counts, kid=signer.kid, files=entries,
        )  # fmt: skip
        signed = as_json(sign_manifest(manifest, signer))
        event = NewEvent(
            kind=EventKind.FEED_EXPORTED, subject=f"feed:{since + 1}-{last}", actor=caller.actor, reason=reason,
            details={"records": records, "manifest_sha256": hashlib.sha256(signed).digest()}, at=now,
        )  # fmt: skip
        event_id = await append_event(session, event)
    await _write_files(database, settings, since, last=last, paths=paths, entries=entries, xlsx=xlsx, manifest=signed)
    return FeedResult(
        since=since, last_event=last, records=records, files=[p.name for p in paths.values()], event_id=event_id
    )


def _entry(name: str, sink: _Sink, records: int) -> FeedFile:
    return FeedFile(name=name, sha256=sink.sha256.hexdigest(), bytes=sink.size, records=records)


async def _write_files(
    database: Database, settings: Settings, since: int, *, last: int, paths: dict[str, Path],
    entries: list[FeedFile], xlsx: bytes | None, manifest: bytes,
) -> None:  # fmt: skip
    """The files, new and only their owner's (they hold full identities), streamed again and each checked
    against its manifest entry; on a mismatch every file of the export is removed."""
    made: list[Path] = []
    try:
        with _new(paths["ndjson"], made) as ndjson, _new(paths["csv"], made) as table:
            sinks = (_Sink(ndjson), _Sink(table))
            await _stream(database, settings, since, *sinks, until=last)
        _check_same(sinks, entries[:2])
        if xlsx is not None:
            with _new(paths["xlsx"], made) as handle:
                handle.write(xlsx)
        with _new(paths["manifest"], made) as handle:
            handle.write(manifest)
    except BaseException:
        for path in made:
            path.unlink(missing_ok=True)
        raise


def _prepare(out_dir: Path) -> Path | None:
    """The output directory (0700), made, and checked writable before the ``feed.exported`` event is appended:
    a directory that could not be made (a path through a file, /proc …) logged an export that wrote nothing.
    Returns the outermost directory this made (``out_dir`` or one of its parents), ``None`` when it existed."""
    missing = [path for path in (out_dir, *out_dir.parents) if not path.exists()]
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    made = missing[-1] if missing else None
    if not os.access(out_dir, os.W_OK | os.X_OK):
        _remove_empty(out_dir, made)
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(out_dir))
    return made


def _remove_empty(out_dir: Path, made: Path | None) -> None:
    """Remove ``out_dir`` and its parents up to ``made`` (the directories the export made), each only while it
    is empty: a failed export left an empty ``--out`` behind. Nothing that existed before is touched."""
    if made is None:
        return
    for path in (out_dir, *out_dir.parents):
        try:
            path.rmdir()  # only an empty directory
        except OSError:
            return
        if path == made:
            return


def _check_same(sinks: Sequence[_Sink], entries: Sequence[FeedFile]) -> None:
    """Raise :class:`FeedChangedError` unless the files written are the bytes the manifest names."""
    if [(s.sha256.hexdigest(), s.size) for s in sinks] != [(e.sha256, e.bytes) for e in entries]:
        raise FeedChangedError(
            "导出过程中数据发生变化，已删除本次导出的文件，请重新导出 / the data changed during the export; its "
            "files were removed: export again"
        )


def _new(path: Path, made: list[Path]) -> BinaryIO:
    """A new file, mode 0600 (never overwrites one)."""
    handle = path.open("xb")
    made.append(path)
    path.chmod(0o600)
    return handle
