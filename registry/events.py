"""The append-only event log: every change to the registry is one attributed, dated event and one leaf.

An event's canonical bytes (:func:`encode_entry`) are what the Merkle tree commits to: msgspec MessagePack
of an ``array_like`` Struct, with ``details`` keys sorted, so the same event always gives the same bytes.
Appending takes the ``log_head`` row lock, so leaf indices are handed out gap-free and in commit order, and
happens in the caller's transaction: the change and its event commit or roll back together.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final

import msgspec
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from registry.bulk import insert_records
from registry.log.merkle import leaf_hash
from registry.log.tree import store_leaves
from registry.models import Event, LogHead

ENTRY_VERSION: Final = 1
LOG_HEAD_ID: Final = 1
EVENT_COLUMNS: Final = ("idx", "at", "actor", "kind", "subject", "reason", "data", "leaf_hash")

DetailValue = str | int | bytes | bool | None


class EventKind(StrEnum):
    """Stable names of the events the registry records (never rename one: they are in signed leaves)."""

    CERTIFICATE_ISSUED = "certificate.issued"
    CERTIFICATE_REVOKED = "certificate.revoked"
    CERTIFICATE_REISSUED = "certificate.reissued"  # 补发: subject is the old number, details name the new
    CERTIFICATE_REPLACED = "certificate.replaced"  # 换发: subject is the old number, details name the new
    #: 补发 keeping the number (qualification): subject is the number, details the new print serial and the
    #: serial it voids (NUMBERING.md "Print serial and reissue"); the status stays valid.
    CERTIFICATE_REPRINTED = "certificate.reprinted"
    #: A certificate issued before standards credentials existed got its signed credential later
    #: (``certreg credentials backfill``): details commit to its bytes like the issue event does at issue.
    CERTIFICATE_CREDENTIAL = "certificate.credential"
    #: A certificate issued before the registry, imported with its number (right after its issue event):
    #: details name the source system, the numbering rule it was read under, the authority and issue date
    #: as recorded (docs/legacy.md). The statement is signed by the province centre's key.
    CERTIFICATE_IMPORTED = "certificate.imported"
    FILING_CREATED = "filing.created"
    #: A catalogue row (region, authority, occupation, project, institution) changed in place by a reference
    #: load: subject ``<table>:<code>``, details name the changed fields with their old and new values.
    REFERENCE_CHANGED = "reference.changed"
    FILING_STATUS = "filing.status"  # suspended, revoked, withdrawn, expired, active again
    KEY_CREATED = "key.created"
    KEY_RETIRED = "key.retired"
    KEY_COMPROMISED = "key.compromised"
    BATCH_SUBMITTED = "batch.submitted"
    BATCH_RESUBMITTED = "batch.resubmitted"
    BATCH_CITY_REVIEWED = "batch.city_reviewed"
    BATCH_PROVINCE_APPROVED = "batch.province_approved"
    BATCH_REJECTED = "batch.rejected"
    BATCH_NOTICE_STARTED = "batch.notice_started"
    BATCH_OBJECTION = "batch.objection"
    BATCH_OBJECTION_RESOLVED = "batch.objection_resolved"
    BATCH_ISSUED = "batch.issued"
    BATCH_ROWS_EXCLUDED = "batch.rows_excluded"  # rows left out of a submitted batch; details name them
    BATCH_ROWS_HELD = "batch.rows_held"  # a reviewer holds rows that cannot be issued; details name them
    #: The province admin read a holder's full document number: subject is the certificate number, the
    #: reason why; details the document type, never the number (docs/identity.md).
    IDENTITY_READ = "identity.read"
    #: A certificate's document (PDF) was handed out; it shows the holder's full document number, so this is
    #: a read of a full identity: subject the certificate number, details the variant and the document type.
    CERTIFICATE_DOCUMENT = "certificate.document"
    #: A batch's certificate documents were downloaded (every holder's full identity in them): subject
    #: ``batch:<id>``, details the format (zip/pdf), the variant and how many certificates (docs/certificates.md).
    BATCH_DOCUMENTS = "batch.documents"
    #: Holder photos were stored (sealed) for a batch: subject ``batch:<id>``, details how many stored and how
    #: many rows still have none; never a document number or a file name.
    BATCH_PHOTOS = "batch.photos"
    #: The key-encryption key was rotated: subject ``kek:<new id>``, details the old id and the data keys.
    KEK_ROTATED = "identity.kek_rotated"
    #: An export of the national exchange feed (full identities, decrypted for it): subject
    #: ``feed:<first>-<last>`` (the event ids it covers), details the record count and the signed manifest's
    #: SHA-256 (docs/feed.md).
    FEED_EXPORTED = "feed.exported"
    #: The staff console (docs/console.md): subject ``staff:<login>`` (``staff:unknown`` for a name that is no
    #: account: what a stranger typed is never recorded); the actor of a sign-in is the account's console actor,
    #: of a failure ``console:anonymous``; details say why (never a password or a code).
    STAFF_CREATED = "staff.created"
    STAFF_CHANGED = "staff.changed"  # disabled, enabled, reset, TOTP enrolled or removed; details say which
    STAFF_SIGNED_IN = "staff.signed_in"
    STAFF_SIGNED_OUT = "staff.signed_out"
    STAFF_SIGN_IN_FAILED = "staff.sign_in_failed"
    STAFF_LOCKED = "staff.locked"
    STAFF_TOTP_REQUIRED = "staff.totp_required"  # subject ``role:<role>``, details whether it is now required


class LogEntry(msgspec.Struct, array_like=True, frozen=True, gc=False):
    """The canonical content of one leaf. Append fields only; never retype or reorder one."""

    version: int
    kind: str
    subject: str
    at_us: int  # microseconds since 1970-01-01 UTC
    actor: str
    reason: str
    details: dict[str, Any]  # values: str, int, bytes, bool or None (MessagePack keeps str and bin apart)


class NewEvent(msgspec.Struct, frozen=True, kw_only=True):
    """An event to append; ``at`` defaults to the time of appending."""

    kind: str
    subject: str
    actor: str
    reason: str = ""
    details: dict[str, DetailValue] = msgspec.field(default_factory=dict)
    at: datetime | None = None


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(LogEntry)


def to_micros(moment: datetime) -> int:
    delta = moment.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(value: int) -> datetime:
    return datetime.fromtimestamp(value // 1_000_000, UTC).replace(microsecond=value % 1_000_000)


def encode_entry(entry: LogEntry) -> bytes:
    """Canonical leaf bytes of ``entry`` (details in key order)."""
    canonical = msgspec.structs.replace(entry, details=dict(sorted(entry.details.items())))
    return _encoder.encode(canonical)


def decode_entry(data: bytes) -> LogEntry:
    """Parse leaf bytes; raises ``msgspec.DecodeError`` / ``ValidationError`` on malformed data."""
    return _decoder.decode(data)


def entry_of(event: NewEvent, at: datetime) -> LogEntry:
    """The canonical entry of ``event`` (details in key order); ``at`` is used when the event has no time."""
    return _entry(event, to_micros(event.at or at))


def _entry(event: NewEvent, at_us: int) -> LogEntry:
    details = dict(sorted(event.details.items()))
    return LogEntry(ENTRY_VERSION, event.kind, event.subject, at_us, event.actor, event.reason, details)


async def _reserve(session: AsyncSession, count: int) -> int:
    """The first of ``count`` new leaf indices; the ``UPDATE … RETURNING`` takes the ``log_head`` row lock."""
    result = await session.execute(
        update(LogHead).where(LogHead.id == LOG_HEAD_ID).values(size=LogHead.size + count).returning(LogHead.size)
    )
    end: int = result.scalar_one()
    return end - count


async def append_events(session: AsyncSession, events: Sequence[NewEvent]) -> range:
    """Append ``events`` as leaves, in order, inside the caller's transaction; returns their indices.

    The ``UPDATE … RETURNING`` on ``log_head`` takes the row lock that serialises appenders until the
    transaction ends, so indices never repeat and a rollback gives them back (no gaps). Event rows go in by
    ``COPY`` on PostgreSQL when there are many; the tree then stores only the nodes of 256 leaves and more
    (:mod:`registry.log.tree`). Raises ``ValueError`` for an event time without a time zone.
    """
    if not events:
        return range(0)
    start = await _reserve(session, len(events))
    end = start + len(events)
    now = datetime.now(UTC)
    micros: dict[datetime, int] = {}  # a batch's events share one time: convert it once
    records: list[tuple[Any, ...]] = []
    hashes = []
    for index, event in enumerate(events, start):
        at = event.at or now
        if at.tzinfo is None:
            raise ValueError(f"naive event time for {event.kind} {event.subject}: give a time zone")
        at_us = micros.get(at)
        if at_us is None:
            at_us = micros[at] = to_micros(at)
        data = _encoder.encode(_entry(event, at_us))  # _entry is canonical already
        digest = leaf_hash(data)
        hashes.append(digest)
        records.append((index, at, event.actor, event.kind, event.subject, event.reason, data, digest))
    await insert_records(session, Event, EVENT_COLUMNS, records)
    await store_leaves(session, start, hashes)
    return range(start, end)


class EncodedEvent(msgspec.Struct, frozen=True, array_like=True, gc=False):
    """An event whose canonical bytes and leaf hash were computed already (:func:`encode_event`), e.g. in a
    worker process, so the appender only stores them (a legacy import's origin events: docs/legacy.md).
    ``gc=False``: only immutable values in it, so no cycle can pass through it; untracked, the collector no
    longer walks the one made (or decoded) per row of a legacy import (issue 13)."""

    at: datetime
    actor: str
    kind: str
    subject: str
    reason: str
    data: bytes
    leaf_hash: bytes


#: The last time :func:`encode_event` converted and its microseconds: a worker encodes every event of an import
#: at one time (two a row), and the conversion (1.3 us) was nearly half of encoding one.
_last_micros: tuple[datetime, int] | None = None


def _micros_of(moment: datetime) -> int:
    """:func:`to_micros` of ``moment``, converted once for a run of events at the same time."""
    global _last_micros  # noqa: PLW0603 - a one-entry cache of an immutable value (datetimes are immutable)
    last = _last_micros
    if last is not None and last[0] == moment:  # aware times: equal means the same instant
        return last[1]
    micros = to_micros(moment)
    _last_micros = (moment, micros)
    return micros


def _time_of(event: NewEvent) -> datetime:
    if event.at is None or event.at.tzinfo is None:
        raise ValueError(f"event time missing or naive for {event.kind} {event.subject}: give one with a zone")
    return event.at


def event_bytes(event: NewEvent) -> bytes:
    """The canonical leaf bytes of ``event`` (which must carry its time, with a time zone): the ``data`` of
    :func:`encode_event`, without hashing the leaf (``registry.certificates.issued_parts`` cuts the bytes up
    and never stores them as they are)."""
    return _encoder.encode(_entry(event, _micros_of(_time_of(event))))


def encode_event(event: NewEvent) -> EncodedEvent:
    """``event`` (which must carry its time, with a time zone) encoded as :func:`append_events` would."""
    data = event_bytes(event)
    return EncodedEvent(_time_of(event), event.actor, event.kind, event.subject, event.reason, data, leaf_hash(data))


async def append_encoded(session: AsyncSession, events: Sequence[EncodedEvent]) -> range:
    """Append pre-encoded ``events`` as leaves, like :func:`append_events` (same lock, same rows), without
    encoding or hashing again: the bytes are stored as given, so they must come from :func:`encode_event`."""
    if not events:
        return range(0)
    start = await _reserve(session, len(events))
    end = start + len(events)
    records = [
        (i, e.at, e.actor, e.kind, e.subject, e.reason, e.data, e.leaf_hash) for i, e in enumerate(events, start)
    ]
    await insert_records(session, Event, EVENT_COLUMNS, records)
    await store_leaves(session, start, [e.leaf_hash for e in events])
    return range(start, end)


async def append_event(session: AsyncSession, event: NewEvent) -> int:
    """Append one event; returns its leaf index."""
    return (await append_events(session, [event]))[0]
