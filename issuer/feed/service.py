"""``certreg feed export``: the province's upload to the national data-exchange system (``docs/feed.md``).

Every certificate event after ``since`` — issued, imported, revoked, reissued, replaced, reprinted — as one
:class:`FeedRecord` with the holder's full identity, **decrypted for this export only** (never cached, never
logged), the print serial valid after the event and the status the event set; written as NDJSON, CSV and
XLSX in the national field order, with a manifest (counts, SHA-256 and size of each file) signed by the
province key. The export is itself an event (``feed.exported``: who, why, which events, the manifest's
SHA-256), appended before the files are written, so no file leaves without its event.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import msgspec
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.auth.policy import Action, authorise
from issuer.auth.principal import Principal
from issuer.errors import IssuerError
from issuer.feed.fields import NATIONAL_FIELDS, FeedRecord
from issuer.feed.manifest import FORMAT, Manifest, as_json, file_entry, sign_manifest
from issuer.identity.reads import open_identity, ring_for
from issuer.issuing.corrections import check_reason
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


class FeedResult(msgspec.Struct, frozen=True, kw_only=True):
    since: int
    last_event: int
    records: int
    files: list[str]
    event_id: int


async def _page(session: AsyncSession, after: int) -> list[Any]:
    return list(
        (
            await session.execute(
                select(Event.idx, Event.kind, Event.at, Event.reason, Event.data, Certificate)
                .join(Certificate, Certificate.number == Event.subject)
                .where(Event.idx > after, Event.kind.in_(FEED_KINDS))
                .order_by(Event.idx)
                .limit(PAGE)
            )
        ).all()
    )


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


async def collect(database: Database, settings: Settings, since: int) -> list[FeedRecord]:
    """The records of every feed event after ``since``, identities decrypted (pages of :data:`PAGE`)."""
    records: list[FeedRecord] = []
    after = since
    while True:
        async with database.reader() as session:
            rows = await _page(session, after)
            if not rows:
                return records
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
        for idx, kind, at, reason, data, cert in rows:
            identity, number = identities.get(cert.holder_identity_id or "", (None, ""))
            document = DocumentType(identity.document_type) if identity is not None else None
            status, successor = _status(kind, data)
            serial = next((s for index, s in reversed(prints.get(cert.number, [])) if index <= idx), "")
            records.append(
                FeedRecord(
                    event_id=idx, event=_EVENT_NAMES[kind], event_at=at.isoformat(), certificate_number=cert.number,
                    certificate_kind=cert.kind, holder_name=cert.holder_name,
                    gender=(identity.gender or "") if identity is not None else "",
                    document_type_code=(document.national_code or "") if document is not None else "",
                    document_type=document.value if document is not None else "",
                    document_number=number, subject_type=cert.subject_type, subject_code=cert.subject_code,
                    level=cert.level, institution_code=cert.institution_code, authority_code=cert.authority_code,
                    issued_on=cert.issued_on.isoformat(), print_serial=serial, status=status, reason=reason,
                    superseded_by=successor, origin=origins.get(cert.number, "").removeprefix("imported from "),
                )
            )  # fmt: skip
        after = rows[-1][0]


def render(records: Sequence[FeedRecord]) -> dict[str, bytes]:
    """The three files' bytes by extension: NDJSON, CSV (UTF-8 with BOM, for spreadsheets), XLSX."""
    encoder = msgspec.json.Encoder()
    ndjson = b"".join(encoder.encode(record) + b"\n" for record in records)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([f"{zh} {name}" for name, zh in NATIONAL_FIELDS])
    writer.writerows(record.cells() for record in records)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("feed")
    sheet.append([f"{zh}\n{name}" for name, zh in NATIONAL_FIELDS])
    for record in records:
        sheet.append([str(c) if isinstance(c, str) else c for c in record.cells()])
    xlsx = io.BytesIO()
    book.save(xlsx)
    return {"ndjson": ndjson, "csv": text.getvalue().encode("utf-8-sig"), "xlsx": xlsx.getvalue()}


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
    """Export every feed event after ``since`` into ``out_dir`` (see the module docstring).

    Raises :class:`issuer.errors.Forbidden` (not the province admin), ``InvalidInputError`` (reason),
    :class:`FeedExistsError`, ``ConflictError`` (no active province key) and the sealing errors."""
    authorise(caller, Action.FEED)
    reason = check_reason(reason)
    now = now or datetime.now(UTC)
    records = await collect(database, settings, since)
    last = records[-1].event_id if records else since
    stem = f"feed-{since + 1}-{last}"
    contents = render(records)
    paths = {ext: out_dir / f"{stem}.{ext}" for ext in contents} | {"manifest": out_dir / f"{stem}.manifest.json"}
    taken = [str(p) for p in paths.values() if p.exists()]
    if taken:
        raise FeedExistsError(f"导出文件已存在 / export files already exist: {', '.join(taken)}")
    counts: dict[str, int] = {"records": len(records)}
    for record in records:
        counts[record.event] = counts.get(record.event, 0) + 1
    async with database.transaction() as session:
        signer = signer_for(await load_keyset(session), keystore, profile.province_region)
        manifest = Manifest(
            format=FORMAT, province=profile.province_region, since=since, last_event=last,
            created_at=now.isoformat(), counts=counts, kid=signer.kid,
            files=[file_entry(paths[ext].name, data, len(records)) for ext, data in contents.items()],
        )  # fmt: skip
        signed = as_json(sign_manifest(manifest, signer))
        event = NewEvent(
            kind=EventKind.FEED_EXPORTED, subject=f"feed:{since + 1}-{last}", actor=caller.actor, reason=reason,
            details={"records": len(records), "manifest_sha256": hashlib.sha256(signed).digest()}, at=now,
        )  # fmt: skip
        event_id = await append_event(session, event)
    _write_all(out_dir, [(paths[ext], data) for ext, data in contents.items()] + [(paths["manifest"], signed)])
    return FeedResult(
        since=since, last_event=last, records=len(records), files=[p.name for p in paths.values()], event_id=event_id
    )


def _write_all(out_dir: Path, files: list[tuple[Path, bytes]]) -> None:
    """New files only their owner reads (they hold full identities); never overwrites one."""
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    for path, data in files:
        with path.open("xb") as handle:
            path.chmod(0o600)
            handle.write(data)
