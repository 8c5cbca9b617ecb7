"""Read-only SQL of the verify path: certificate views, the change feed, employer API keys.

One round trip per look-up: the certificate, the names of its occupation or project, institution and
authority, and its latest status event come from one statement (a correlated ``max(idx)`` sub-query on the
``(subject, idx)`` index), on SQLite and PostgreSQL alike. Core statements on a plain connection, no ORM
session: the miss path is measured in ``bench/verify.py``. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Final

import msgspec
from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from registry.certificates import STATUS_EVENT_KINDS
from registry.events import EventKind, decode_entry
from registry.log.proofs import inclusion_proofs
from registry.models import (
    AbilityProject,
    ApiKey,
    Authority,
    Certificate,
    CertificatePrint,
    Checkpoint,
    Event,
    Institution,
    Occupation,
)
from registry.vocab import CertificateStatus, SubjectType
from verify.decoys import DECOY_ROW
from verify.views import CertificateView, LogProof

_CHUNK: Final = 500

_latest_status = (
    select(func.max(Event.idx))
    .where(Event.subject == Certificate.number, Event.kind.in_(STATUS_EVENT_KINDS))
    .correlate(Certificate)
    .scalar_subquery()
)
#: The origin event of an imported certificate; its reason is ``imported from SOURCE`` (issuer.legacy).
_origin = (
    select(Event.reason)
    .where(Event.subject == Certificate.number, Event.kind == EventKind.CERTIFICATE_IMPORTED.value)
    .correlate(Certificate)
    .limit(1)
    .scalar_subquery()
)
#: The certificate's valid print: its newest (a 补发 keeping the number voids the one before, rule 9).
_latest_print = (
    select(func.max(CertificatePrint.log_index))
    .where(CertificatePrint.number == Certificate.number)
    .correlate(Certificate)
    .scalar_subquery()
)
IMPORTED_PREFIX: Final = "imported from "
_VIEW_COLUMNS: Final = (
    Certificate.number,
    Certificate.kind,
    Certificate.holder_name,
    Certificate.holder_id_masked,
    Certificate.subject_type,
    Certificate.subject_code,
    Occupation.name,
    AbilityProject.name,
    Certificate.level,
    Certificate.institution_code,
    Institution.name,
    Certificate.authority_code,
    Authority.name,
    Certificate.issued_on,
    Certificate.log_index,
    Certificate.statement,
    Certificate.signature,
    Event.kind,
    Event.at,
    Event.reason,
    Event.data,
    Event.idx,
    _origin,
    CertificatePrint.serial,
    CertificatePrint.given,
    CertificatePrint.replaces,
    CertificatePrint.printed_at,
    CertificatePrint.log_index,
)
_views = (
    select(*_VIEW_COLUMNS)
    .select_from(Certificate)
    .outerjoin(
        Occupation,
        and_(Certificate.subject_type == SubjectType.OCCUPATION.value, Occupation.code == Certificate.subject_code),
    )
    .outerjoin(
        AbilityProject,
        and_(Certificate.subject_type == SubjectType.PROJECT.value, AbilityProject.code == Certificate.subject_code),
    )
    .outerjoin(Institution, Institution.code == Certificate.institution_code)
    .outerjoin(Authority, Authority.code == Certificate.authority_code)
    .outerjoin(Event, Event.idx == _latest_status)
    .outerjoin(
        CertificatePrint,
        and_(CertificatePrint.number == Certificate.number, CertificatePrint.log_index == _latest_print),
    )
)
#: Built once: building the statement was a tenth of a cold look-up's proof work (py-spy, issue 12).
_newest_checkpoint = (
    select(Checkpoint.size, Checkpoint.root_hash, Checkpoint.note).order_by(Checkpoint.size.desc()).limit(1)
)
_one_view = _views.where(Certificate.number == bindparam("number"))
_many_views = _views.where(Certificate.number.in_(bindparam("numbers", expanding=True)))


async def fetch_view(conn: AsyncConnection, number: str) -> CertificateView | None:
    """The view of ``number`` with its log proof, or ``None`` when the registry holds no such certificate.

    A miss decodes a decoy row and builds its log proof just the same (and drops it): an unknown number must
    not answer faster than a known one (issue 10, item 7; :mod:`verify.decoys`)."""
    row = (await conn.execute(_one_view, {"number": number})).first()
    if row is None:
        await with_log_proofs(conn, {number: _view_of(DECOY_ROW)})
        return None
    return (await with_log_proofs(conn, {number: _view_of(row)}))[number]


async def fetch_views(conn: AsyncConnection, numbers: Iterable[str]) -> dict[str, CertificateView]:
    """Views of those of ``numbers`` the registry holds (absent numbers are left out)."""
    wanted = sorted(set(numbers))
    found: dict[str, CertificateView] = {}
    for start in range(0, len(wanted), _CHUNK):
        result = await conn.execute(_many_views, {"numbers": wanted[start : start + _CHUNK]})
        for row in result:
            view = _view_of(row)
            found[view.number] = view
    return await with_log_proofs(conn, found)


def _view_of(row: Any) -> CertificateView:
    (number, kind, name, masked, subject_type, code, occupation, project, level, institution, institution_name,
     authority, authority_name, issued_on, log_index, statement, signature, event_kind, event_at, reason, data,
     event_index, origin, serial, given, replaces, printed_at, print_index) = row  # fmt: skip
    reprinted = replaces is not None  # a later print of the same number: 补发 keeping it (rule 9)
    view = CertificateView(
        number=number,
        kind=kind,
        holder_name=name,
        holder_id_masked=masked,
        subject_type=subject_type,
        subject_code=code,
        subject_name=(occupation if subject_type == SubjectType.OCCUPATION.value else project) or code,
        level=level,
        institution_code=institution,
        institution_name=institution_name or institution,
        authority_code=authority,
        authority_name=authority_name or authority,
        issued_on=issued_on,
        log_index=log_index,
        statement=bytes(statement),
        revision=max(log_index, *(int(i) for i in (event_index, print_index) if i is not None)),
        signature=bytes(signature),
        imported_from=origin.removeprefix(IMPORTED_PREFIX) if origin else "",
        reprinted_at=printed_at if reprinted else None,
        given_print_serial=serial if reprinted and given else "",
    )
    if event_kind is None:
        return view
    return _with_status(view, event_kind, event_at, reason or "", bytes(data))


def _with_status(view: CertificateView, kind: str, at: datetime, reason: str, data: bytes) -> CertificateView:
    if kind == EventKind.CERTIFICATE_REVOKED.value:
        return msgspec.structs.replace(
            view, status=CertificateStatus.REVOKED.value, status_change="revoked", status_at=at, status_reason=reason
        )
    successor = decode_entry(data).details.get("successor")
    return msgspec.structs.replace(
        view,
        status=CertificateStatus.SUPERSEDED.value,
        status_change=kind.removeprefix("certificate."),
        status_at=at,
        status_reason=reason,
        superseded_by=successor if isinstance(successor, str) else None,
    )


async def latest_checkpoint_size(conn: AsyncConnection) -> int:
    """Leaves covered by the newest signed checkpoint (0 before the first)."""
    return int((await conn.execute(select(func.max(Checkpoint.size)))).scalar() or 0)


async def with_log_proofs(conn: AsyncConnection, views: dict[str, CertificateView]) -> dict[str, CertificateView]:
    """``views`` with the inclusion proof of each issue event against the newest checkpoint (two queries
    for all of them); views newer than that checkpoint stay pending."""
    checkpoint = (await conn.execute(_newest_checkpoint)).first()
    if checkpoint is None or not views:
        return views
    size, root, note = checkpoint
    covered = [view.log_index for view in views.values() if view.log_index < size]
    proofs = {}
    if covered:
        async with AsyncSession(bind=conn) as session:
            proofs = await inclusion_proofs(session, covered, size)
    return {number: _with_proof(view, size, bytes(root), note, proofs) for number, view in views.items()}


def _with_proof(
    view: CertificateView, size: int, root: bytes, note: str, proofs: dict[int, tuple[bytes, list[bytes]]]
) -> CertificateView:
    found = proofs.get(view.log_index)
    log = LogProof(size, root, found[0], found[1], note) if found is not None else None
    return msgspec.structs.replace(view, log=log, checkpoint_size=size)


async def last_event_index(conn: AsyncConnection) -> int:
    """The index of the newest event (-1 for an empty log): where the change feed starts."""
    value = (await conn.execute(select(func.max(Event.idx)))).scalar()
    return -1 if value is None else int(value)


async def events_after(conn: AsyncConnection, index: int, limit: int) -> list[tuple[int, str, str]]:
    """``(idx, kind, subject)`` of up to ``limit`` events after ``index``, oldest first."""
    statement = select(Event.idx, Event.kind, Event.subject).where(Event.idx > index).order_by(Event.idx).limit(limit)
    return [(int(idx), str(kind), str(subject)) for idx, kind, subject in await conn.execute(statement)]


class ApiKeyRecord(msgspec.Struct, frozen=True, kw_only=True):
    """An employer API key as the verify path needs it (never the hash or the secret)."""

    id: int
    name: str
    rate_per_minute: int | None


async def fetch_api_key(conn: AsyncConnection, key_hash: bytes) -> ApiKeyRecord | None:
    """The unrevoked API key whose SHA-256 is ``key_hash``, or ``None``."""
    statement = select(ApiKey.id, ApiKey.name, ApiKey.rate_per_minute).where(
        ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None)
    )
    row = (await conn.execute(statement)).first()
    return None if row is None else ApiKeyRecord(id=row[0], name=row[1], rate_per_minute=row[2])


async def checkpoint_note(conn: AsyncConnection, size: int | None) -> tuple[int, str] | None:
    """``(size, signed note)`` of the checkpoint of ``size`` leaves (the latest when ``None``), or ``None``
    when no checkpoint of that size was signed."""
    statement = select(Checkpoint.size, Checkpoint.note)
    statement = statement.where(Checkpoint.size == size) if size is not None else statement
    row = (await conn.execute(statement.order_by(Checkpoint.size.desc()).limit(1))).first()
    return None if row is None else (int(row[0]), str(row[1]))
