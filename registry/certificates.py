"""Writing certificates and deriving their status: the only code that inserts a certificate row.

A certificate row is written once, together with its ``certificate.issued`` event (which commits to the
hashes of the exact signed statement and signature, and names the serial of its first print) and that
first print (:mod:`registry.prints`) in the same transaction. Revocation and supersession
(reissue 补发, replacement 换发) are events on the old number; the current status is the latest of them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any, Final

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.bulk import insert_records
from registry.credential_store import NewCredential, credential_details, store_credentials
from registry.errors import ConflictError, MissingReferenceError, NotFoundError
from registry.events import (
    EncodedEvent,
    EventKind,
    NewEvent,
    append_encoded,
    append_events,
    decode_entry,
    encode_event,
    event_bytes,
)
from registry.log.merkle import leaf_hash
from registry.lookups import get_or_refuse
from registry.models import Authority, Batch, Certificate, CertificateCredential, Event, Institution, PublicKey
from registry.prints import Printed, first_prints, store_first_prints
from registry.rules.serials import PrintSerialRule
from registry.sets import member_of
from registry.vocab import CertificateStatus

STATUS_EVENT_KINDS: Final = (
    EventKind.CERTIFICATE_REVOKED.value,
    EventKind.CERTIFICATE_REISSUED.value,
    EventKind.CERTIFICATE_REPLACED.value,
)


class NewCertificate(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A signed certificate ready to be stored (``statement`` are the exact signed bytes). ``gc=False``: only
    immutable values in it, so no cycle can pass through it; untracked, the collector no longer walks the one
    made (or decoded) per row of a legacy import (issue 13)."""

    number: str
    kind: str
    holder_name: str
    holder_id_digest: bytes
    holder_id_masked: str
    subject_type: str
    subject_code: str
    level: int
    institution_code: str
    authority_code: str
    assessed_on: date
    issued_on: date
    statement: bytes
    signature: bytes
    kid: str
    batch_id: int | None = None
    batch_row_no: int | None = None
    supersedes: str | None = None


class StatusInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A certificate's current status as its events say."""

    status: CertificateStatus
    at: datetime | None = None
    reason: str = ""
    superseded_by: str | None = None
    event_index: int | None = None


VALID: Final = StatusInfo(status=CertificateStatus.VALID)


_row_encoder = msgspec.msgpack.Encoder()


def row_digest(cert: NewCertificate) -> bytes:
    """SHA-256 of every stored field of a certificate (canonical MessagePack of :class:`NewCertificate`):
    fields the statement does not sign (holder ID digest, assessed-on date, batch row …) are committed by
    the issue event through this digest, so no column can be altered unnoticed."""
    return row_digest_of(msgspec.structs.astuple(cert))


def row_digest_of(values: tuple[object, ...]) -> bytes:
    """:func:`row_digest` of the values of a certificate's fields in :class:`NewCertificate` order (the audit
    has them from a joined row: building the Struct first was a tenth of its per-row Python, issue 12)."""
    return hashlib.sha256(_row_encoder.encode(values)).digest()


def issued_event(
    cert: NewCertificate,
    actor: str,
    at: datetime | None = None,
    *,
    print_serial: str | None = None,
    credential: NewCredential | None = None,
    print_given: bool = False,
) -> NewEvent:
    """The ``certificate.issued`` event of ``cert``: what an auditor later checks the row (and, by
    ``print_serial``, its first print, and by ``credential``, its signed W3C credential) against."""
    details: dict[str, str | int | bytes | bool | None] = {
        "row_sha256": row_digest(cert),
        "kind": cert.kind,
        "statement_sha256": hashlib.sha256(cert.statement).digest(),
        "signature_sha256": hashlib.sha256(cert.signature).digest(),
        "kid": cert.kid,
        "institution": cert.institution_code,
        "authority": cert.authority_code,
        "batch": cert.batch_id,
    }
    if cert.supersedes:
        details["supersedes"] = cert.supersedes
    if print_serial is not None:
        details["print_serial"] = print_serial
    if credential is not None:
        details.update(credential_details(credential))
    if print_given:  # only imported certificates keep a given first serial; other events stay as they were
        details["print_given"] = True
    return NewEvent(kind=EventKind.CERTIFICATE_ISSUED, subject=cert.number, actor=actor, details=details, at=at)


#: Stands for the print serial in :func:`issued_parts` (a string no serial rule can make).
_SERIAL_HOLE: Final = "\x00print serial\x00"
_HOLE_BYTES: Final = _row_encoder.encode(_SERIAL_HOLE)


class IssuedParts(msgspec.Struct, frozen=True, array_like=True, gc=False):
    """A ``certificate.issued`` event encoded (canonical bytes) before its print serial is known: the bytes
    before and after the serial. Made where the certificate is signed (a legacy import's worker processes,
    docs/legacy.md), so storing only splices the serial in and hashes the leaf. ``gc=False``: only immutable
    values in it, so no cycle can pass through it; untracked, the collector no longer walks the one made (or
    decoded) per row of a legacy import (issue 13)."""

    head: bytes
    tail: bytes


def issued_parts(cert: NewCertificate, actor: str, at: datetime, *, print_given: bool = False) -> IssuedParts:
    """:func:`issued_event` of ``cert`` (no credential) encoded around its print serial; ``at`` (with a time
    zone) must be the ``at`` later given to :func:`store_certificates`."""
    data = event_bytes(issued_event(cert, actor, at, print_serial=_SERIAL_HOLE, print_given=print_given))
    head, hole, tail = data.partition(_HOLE_BYTES)
    if not hole or _HOLE_BYTES in tail:
        raise ValueError(f"cannot place the print serial in the issue event of {cert.number}")
    return IssuedParts(head, tail)


def _issued_encoded(parts: IssuedParts, serial: str, number: str, actor: str, at: datetime) -> EncodedEvent:
    data = parts.head + _row_encoder.encode(serial) + parts.tail
    return EncodedEvent(at, actor, EventKind.CERTIFICATE_ISSUED.value, number, "", data, leaf_hash(data))


async def store_certificates(
    session: AsyncSession,
    certificates: Sequence[NewCertificate],
    *,
    actor: str,
    at: datetime | None = None,
    extra_events: Sequence[NewEvent] = (),
    print_rule: PrintSerialRule | None = None,
    credentials: Sequence[NewCredential] | None = None,
    given_serials: Sequence[str | None] | None = None,
    holder_identity_ids: Sequence[str | None] | None = None,
    encoded: Sequence[IssuedParts] | None = None,
) -> range:
    """Insert ``certificates`` with their first prints, and append their issue events (then
    ``extra_events``) in the caller's transaction; returns the leaf indices of the issue events, in order.
    ``credentials`` (one per certificate, in order) are stored beside them, their issue events committing
    to each credential's bytes.

    ``print_rule`` is the profile's print serial rule (the shipped one when not given); serials come from
    each issuing authority's counter in this transaction. Raises ``SequenceOverflowError`` when a counter
    is exhausted (nothing written), :class:`MissingReferenceError` when a certificate names an institution,
    authority, batch or key that does not exist (:func:`require_references`). ``given_serials`` (imported
    certificates): the serial each one was printed under where it is known, checked by the caller; serials
    are allocated for the others. ``holder_identity_ids`` (one per certificate): the sealed identity each
    belongs to, written with the row (not part of the row digest: ``registry.identity.links``).
    ``encoded`` (one per certificate, no ``credentials``): their issue events already encoded by
    :func:`issued_parts` with this ``at`` and ``actor``; only the serials are put in.
    """
    await require_references(session, certificates)
    at = at or datetime.now(UTC)  # one moment for the events and the prints (the audit compares them)
    printed = [Printed(c.number, c.authority_code, c.issued_on.year) for c in certificates]
    given = list(given_serials) if given_serials is not None else [None] * len(certificates)
    wanted = [p for p, serial in zip(printed, given, strict=True) if serial is None]
    allocated = iter(await first_prints(session, print_rule or PrintSerialRule(), wanted) if wanted else [])
    serials = [serial if serial is not None else next(allocated) for serial in given]
    flags = [serial is not None for serial in given]
    signed: Sequence[NewCredential | None] = [None] * len(certificates) if credentials is None else credentials
    if encoded is None:
        events = [
            issued_event(c, actor, at, print_serial=s, credential=v, print_given=g)
            for c, s, v, g in zip(certificates, serials, signed, flags, strict=True)
        ]
        issued = (await append_events(session, [*events, *extra_events]))[: len(certificates)]
    else:
        if credentials is not None:
            raise ValueError("issue events encoded in advance cannot commit to credentials")
        issued = await append_encoded(
            session,
            [
                _issued_encoded(p, s, c.number, actor, at)
                for p, s, c in zip(encoded, serials, certificates, strict=True)
            ],
        )
        await append_events(session, extra_events)
    await _write_rows(
        session, certificates, issued, serials=serials, flags=flags, at=at, credentials=credentials,
        holder_identity_ids=holder_identity_ids,
    )  # fmt: skip
    return issued


class PreparedCertificates(msgspec.Struct, frozen=True, kw_only=True):
    """Signed certificates with everything their store needs that is pure CPU done already
    (:func:`prepare_certificates`, on a signing thread): their print serials (allocated before signing),
    credentials and encoded ``certificate.issued`` events, all at one moment ``at``."""

    certificates: list[NewCertificate]
    serials: list[str]
    credentials: list[NewCredential] | None
    events: list[EncodedEvent]
    at: datetime


def prepare_certificates(
    certificates: list[NewCertificate],
    serials: Sequence[str],
    *,
    actor: str,
    at: datetime,
    credentials: list[NewCredential] | None = None,
) -> PreparedCertificates:
    """The issue events of ``certificates`` (first printed under ``serials``, one each) encoded as
    :func:`store_certificates` would append them — the same bytes, so the log is the same whichever path
    stored them. Pure CPU: issuing runs it on the signing threads (issue 12: building, encoding and hashing
    the events was most of the event loop's Python). Raises ``ValueError`` for a naive ``at``."""
    signed: Sequence[NewCredential | None] = [None] * len(certificates) if credentials is None else credentials
    events = [
        encode_event(issued_event(c, actor, at, print_serial=s, credential=v))
        for c, s, v in zip(certificates, serials, signed, strict=True)
    ]
    return PreparedCertificates(
        certificates=certificates, serials=list(serials), credentials=credentials, events=events, at=at
    )


async def store_prepared(
    session: AsyncSession,
    prepared: PreparedCertificates,
    *,
    extra_events: Sequence[NewEvent] = (),
    holder_identity_ids: Sequence[str | None] | None = None,
) -> range:
    """:func:`store_certificates` for certificates :func:`prepare_certificates` made ready: the same rows,
    events (then ``extra_events``, at ``prepared.at`` unless they carry a time) and checks, without the
    per-row Python. Returns the leaf indices of the issue events. Raises :class:`MissingReferenceError`."""
    certificates = prepared.certificates
    await require_references(session, certificates)
    extra = [encode_event(e if e.at is not None else msgspec.structs.replace(e, at=prepared.at)) for e in extra_events]
    indices = await append_encoded(session, [*prepared.events, *extra])
    issued = indices[: len(certificates)]
    await _write_rows(
        session, certificates, issued, serials=prepared.serials, flags=[False] * len(certificates), at=prepared.at,
        credentials=prepared.credentials, holder_identity_ids=holder_identity_ids,
    )  # fmt: skip
    return issued


async def _write_rows(
    session: AsyncSession,
    certificates: Sequence[NewCertificate],
    issued: range,
    *,
    serials: Sequence[str],
    flags: Sequence[bool],
    at: datetime,
    credentials: Sequence[NewCredential] | None,
    holder_identity_ids: Sequence[str | None] | None,
) -> None:
    """The certificate rows (their issue events at ``issued``), their first prints and credentials."""
    created_at = datetime.now(UTC)  # given explicitly: COPY applies no column defaults
    records = [
        (*msgspec.structs.astuple(cert), index, created_at) for cert, index in zip(certificates, issued, strict=True)
    ]
    columns: tuple[str, ...] = _COLUMNS
    if holder_identity_ids is not None:
        columns = (*_COLUMNS, "holder_identity_id")
        records = [(*record, i) for record, i in zip(records, holder_identity_ids, strict=True)]
    await insert_records(session, Certificate, columns, records)
    await store_first_prints(session, [c.number for c in certificates], serials, issued, at, given=flags)
    if credentials:
        await require_credential_references(session, credentials, stored=certificates)
        await store_credentials(session, credentials, issued, at=created_at)


#: What a certificate refers to without a foreign key (migration 0012): its column, the referenced key, and
#: the name given in errors and audit findings (zh, en).
REFERENCES: Final = (
    (Certificate.institution_code, Institution.code, "机构", "institution"),
    (Certificate.authority_code, Authority.code, "发证机构", "authority"),
    (Certificate.batch_id, Batch.id, "批次", "batch"),
    (Certificate.kid, PublicKey.kid, "密钥", "key"),
)


async def require_references(session: AsyncSession, certificates: Sequence[NewCertificate]) -> None:
    """Check that every institution, authority, batch and key that ``certificates`` name exists, and hold a
    ``FOR KEY SHARE`` lock on each until the caller's transaction ends — what the foreign keys did, but
    once per set of values instead of four look-ups per row (issue 12: a batch shares one institution,
    authority, batch and key, and ``COPY`` paid 7.25 s with the keys against 2.03 s without for 100,000 rows).
    ``certreg audit`` checks the stored references again (:mod:`registry.audit.references`).

    Raises :class:`MissingReferenceError` naming the missing values (codes and ids, no personal data).
    """
    await _require_existing(
        session,
        "证书引用的记录不存在",
        "certificates refer to what does not exist",
        [(key, zh, en, {getattr(c, column.key) for c in certificates}) for column, key, zh, en in REFERENCES],
    )


#: What a stored credential refers to without a foreign key (migration 0013), as :data:`REFERENCES`.
CREDENTIAL_REFERENCES: Final = (
    (CertificateCredential.number, Certificate.number, "证书", "certificate"),
    (CertificateCredential.authority_code, Authority.code, "发证机构", "authority"),
    (CertificateCredential.kid, PublicKey.kid, "密钥", "key"),
)


async def require_credential_references(
    session: AsyncSession, credentials: Sequence[NewCredential], *, stored: Sequence[NewCertificate] = ()
) -> None:
    """The check of :func:`require_references` for credentials: their certificates, authorities and keys
    exist (the latter two ``FOR KEY SHARE`` locked). A certificate among ``stored`` (written in this
    transaction, with its credential) needs no look-up: at issue only the shared authority and key are read,
    instead of three look-ups per ``COPY``ed credential (22–27 s of a 100,000-row issue under load).

    Raises :class:`MissingReferenceError`.
    """
    known = {c.number for c in stored}
    await _require_existing(
        session,
        "凭证引用的记录不存在",
        "credentials refer to what does not exist",
        [
            (Certificate.number, "证书", "certificate", {c.number for c in credentials} - known),
            (Authority.code, "发证机构", "authority", {c.authority_code for c in credentials}),
            (PublicKey.kid, "密钥", "key", {c.kid for c in credentials}),
        ],
    )


async def _require_existing(
    session: AsyncSession, zh_what: str, en_what: str, wanted: Sequence[tuple[Any, str, str, set[Any]]]
) -> None:
    """Look up each ``(key, zh, en, values)`` set by one array parameter, key-share locking the rows found;
    raise :class:`MissingReferenceError` naming every value not found."""
    dialect = session.get_bind().dialect.name
    missing: list[tuple[str, str, object]] = []
    for key, zh, en, values in wanted:
        named = sorted(values - {None})
        found: set[object] = set()
        for condition in member_of(key, named, dialect):
            found.update(await session.scalars(select(key).where(condition).with_for_update(key_share=True)))
        missing += [(zh, en, value) for value in named if value not in found]
    if missing:
        raise MissingReferenceError(
            f"{zh_what}：{'、'.join(f'{zh} {value}' for zh, _, value in missing)} / {en_what}: "
            f"{', '.join(f'{en} {value}' for _, en, value in missing)}"
        )


#: Certificate columns in the order of :class:`NewCertificate`, then what the store adds.
_COLUMNS: Final = (*NewCertificate.__struct_fields__, "log_index", "created_at")


async def statuses(session: AsyncSession, numbers: Iterable[str]) -> dict[str, StatusInfo]:
    """Current status of each number that has a status event (absent numbers are valid, if they exist)."""
    wanted = sorted(set(numbers))
    found: dict[str, StatusInfo] = {}
    for condition in member_of(Event.subject, wanted, session.get_bind().dialect.name):
        rows = await session.execute(
            select(Event.subject, Event.kind, Event.at, Event.reason, Event.data, Event.idx)
            .where(condition, Event.kind.in_(STATUS_EVENT_KINDS))
            .order_by(Event.idx)
        )
        for subject, kind, at, reason, data, idx in rows:
            found[subject] = _status_of(kind, at, reason, data, idx)
    return found


def _status_of(kind: str, at: datetime, reason: str, data: bytes, idx: int) -> StatusInfo:
    if kind == EventKind.CERTIFICATE_REVOKED:
        return StatusInfo(status=CertificateStatus.REVOKED, at=at, reason=reason, event_index=idx)
    successor = decode_entry(data).details.get("successor")
    return StatusInfo(
        status=CertificateStatus.SUPERSEDED,
        at=at,
        reason=reason,
        superseded_by=successor if isinstance(successor, str) else None,
        event_index=idx,
    )


async def status_of(session: AsyncSession, number: str) -> StatusInfo:
    return (await statuses(session, [number])).get(number, VALID)


async def get_certificate(session: AsyncSession, number: str) -> Certificate:
    """The certificate row; raises :class:`NotFoundError`."""
    return await get_or_refuse(session, Certificate, number, named=("证书", "certificate"))


async def require_valid(session: AsyncSession, number: str) -> Certificate:
    """The certificate, locked against concurrent status changes; raises unless it is currently valid."""
    row = await session.scalar(select(Certificate).where(Certificate.number == number).with_for_update())
    if row is None:
        raise NotFoundError(f"证书 {number} 不存在 / no certificate {number}")
    status = await status_of(session, number)
    if status.status is not CertificateStatus.VALID:
        raise unchangeable(number, status.status)
    return row


def unchangeable(number: str, status: CertificateStatus) -> ConflictError:
    """The refusal of a change to a certificate that is no longer valid (revoked, superseded)."""
    return ConflictError(
        f"证书 {number} 当前状态为{status.label_zh}，不能再变更 / certificate {number} is {status.value}; "
        "it cannot change again"
    )


def revoked_event(number: str, *, reason: str, actor: str, at: datetime | None = None) -> NewEvent:
    return NewEvent(kind=EventKind.CERTIFICATE_REVOKED, subject=number, actor=actor, reason=reason, at=at)


def superseded_event(
    number: str, successor: str, *, kind: EventKind, reason: str, actor: str, at: datetime | None = None
) -> NewEvent:
    """The event that marks ``number`` superseded by ``successor`` (``kind`` reissued or replaced)."""
    if kind not in (EventKind.CERTIFICATE_REISSUED, EventKind.CERTIFICATE_REPLACED):
        raise ValueError(f"not a supersession event: {kind}")
    return NewEvent(kind=kind, subject=number, actor=actor, reason=reason, details={"successor": successor}, at=at)


async def revoke(session: AsyncSession, number: str, *, reason: str, actor: str) -> int:
    """Revoke a valid certificate; returns the event's leaf index. Raises NotFound/Conflict errors."""
    await require_valid(session, number)
    return (await append_events(session, [revoked_event(number, reason=reason, actor=actor)]))[0]
