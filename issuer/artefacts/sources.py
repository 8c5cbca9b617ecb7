"""What a certificate document shows, read from the registry: one certificate, or a batch page by page.

A document shows the holder's **full** document number and photo, both sealed at rest: they are opened here
with the data keys of :mod:`issuer.identity` (never logged, never cached outside the built file). Each read
is logged by the caller (:mod:`issuer.artefacts.services`): ``certificate.document`` for one certificate,
``batch.documents`` for a batch's download.

A certificate issued before identities were sealed has no full number in the registry: it gets no document
(:class:`Unsealed` in its place, reported by row, never by the number).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.documents.model import CertificateDocument
from issuer.identity.reads import ring_for
from issuer.identity.sealer import identity_binding
from registry.certificates import STATUS_EVENT_KINDS
from registry.config import Settings
from registry.convert import view_of
from registry.identity.sealing.envelope import SealPurpose, open_sealed
from registry.identity.sealing.ring import DataKeyRing
from registry.models import (
    AbilityProject,
    Authority,
    Certificate,
    CertificatePrint,
    Event,
    HolderIdentity,
    Institution,
    Occupation,
)
from registry.qrtoken import encode_token, token_url
from registry.rules.document_types import DocumentType
from registry.vocab import CertificateKind

PAGE: Final = 500
#: Written in 备注 of a certificate printed again under a new print serial (补发 keeping the number, rule 9).
REPRINT_REMARK: Final = "补发"


class Unsealed(msgspec.Struct, frozen=True, kw_only=True):
    """A certificate the registry holds no sealed document number for (issued before identities were sealed)."""

    number: str
    code: str = "document.unsealed"
    message: str = (
        "证书早于身份封存，登记库中没有完整证件号码，不能生成证书文件 / the certificate predates sealed identities: "
        "the registry holds no full document number to print"
    )


class Member(msgspec.Struct, frozen=True):
    """A certificate of a batch and its own revision: the newest log index that changes what it shows
    (its issue, its latest print, a status change); ``valid`` is false once revoked or superseded."""

    number: str
    row_no: int
    revision: int
    valid: bool


_latest_print = (
    select(func.max(CertificatePrint.log_index))
    .where(CertificatePrint.number == Certificate.number)
    .correlate(Certificate)
    .scalar_subquery()
)
_status_event = (
    select(func.max(Event.idx))
    .where(Event.subject == Certificate.number, Event.kind.in_(STATUS_EVENT_KINDS))
    .correlate(Certificate)
    .scalar_subquery()
)


async def batch_members(session: AsyncSession, batch_id: int, *, changes: bool = True) -> list[Member]:
    """Every certificate of the batch in row order, with its revision and whether it is still valid.
    ``changes=False`` skips prints and status changes (a QR code shows neither): issue revisions only."""
    if not changes:
        plain = await session.execute(
            select(Certificate.number, Certificate.batch_row_no, Certificate.log_index)
            .where(Certificate.batch_id == batch_id)
            .order_by(Certificate.batch_row_no)
        )
        return [Member(number, row_no or 0, issued, True) for number, row_no, issued in plain]
    rows = await session.execute(
        select(Certificate.number, Certificate.batch_row_no, Certificate.log_index, _latest_print, _status_event)
        .where(Certificate.batch_id == batch_id)
        .order_by(Certificate.batch_row_no)
    )
    return [
        Member(number, row_no or 0, max(issued, printed or 0, status or 0), status is None)
        for number, row_no, issued, printed, status in rows
    ]


async def batch_fingerprint(session: AsyncSession, batch_id: int, *, photos_stamp: int) -> str:
    """The batch's revision for its certificate files: count, newest issue, newest print, newest status change
    and the newest photo upload. Aggregates only, so a kept file is found fresh without listing the batch."""
    mine = Certificate.batch_id == batch_id
    count, issued = (await session.execute(select(func.count(), func.max(Certificate.log_index)).where(mine))).one()
    printed = await session.scalar(
        select(func.max(CertificatePrint.log_index)).join(Certificate, Certificate.number == CertificatePrint.number)
        .where(mine)
    )  # fmt: skip
    status = await session.scalar(
        select(func.max(Event.idx)).join(Certificate, Certificate.number == Event.subject)
        .where(mine, Event.kind.in_(STATUS_EVENT_KINDS))
    )  # fmt: skip
    return f"c{count}.{issued or 0}.{printed or 0}.{status or 0}.{photos_stamp}"


async def qr_fingerprint(session: AsyncSession, batch_id: int) -> str:
    """The batch's revision for its QR archive: a QR code never changes once signed, so only the members do."""
    count, issued = (
        await session.execute(
            select(func.count(), func.max(Certificate.log_index)).where(Certificate.batch_id == batch_id)
        )
    ).one()
    return f"q{count}.{issued or 0}"


_COLUMNS: Final = (
    Certificate.number, Certificate.kind, Certificate.holder_name, Certificate.subject_type,
    Certificate.subject_code, Certificate.level, Certificate.institution_code, Certificate.issued_on,
    Certificate.statement, Certificate.signature, Institution.name.label("institution_name"),
    Authority.name.label("authority_name"), Occupation.name.label("occupation_name"), Occupation.trade,
    AbilityProject.name.label("project_name"), HolderIdentity.id, HolderIdentity.document_type,
    HolderIdentity.number_sealed, HolderIdentity.photo_sealed,
)  # fmt: skip


_OCCUPATION: Final = Certificate.subject_type == "occupation"


def _query(numbers: Sequence[str]) -> Any:
    return (
        select(*_COLUMNS)
        .join(Institution, Institution.code == Certificate.institution_code)
        .join(Authority, Authority.code == Certificate.authority_code)
        .outerjoin(Occupation, _OCCUPATION & (Occupation.code == Certificate.subject_code))
        .outerjoin(AbilityProject, ~_OCCUPATION & (AbilityProject.code == Certificate.subject_code))
        .outerjoin(HolderIdentity, HolderIdentity.id == Certificate.holder_identity_id)
        .where(Certificate.number.in_(numbers))
    )  # fmt: skip


async def _prints(session: AsyncSession, numbers: Sequence[str]) -> dict[str, tuple[str, bool]]:
    """The valid print serial of each number and whether it replaced an earlier print (a 补发)."""
    found: dict[str, tuple[str, bool]] = {}
    rows = await session.execute(
        select(CertificatePrint.number, CertificatePrint.serial, CertificatePrint.replaces)
        .where(CertificatePrint.number.in_(numbers))
        .order_by(CertificatePrint.log_index)
    )
    for number, serial, replaces in rows:
        found[number] = (serial, replaces is not None)
    return found


def open_photo(ring: DataKeyRing, identity_id: str, sealed: bytes) -> bytes:
    """The photo sealed for identity ``identity_id`` (raises the sealing errors)."""
    return open_sealed(ring.key, sealed, purpose=SealPurpose.PHOTO, binding=identity_binding(identity_id))


async def load_documents(
    session: AsyncSession, settings: Settings, numbers: Sequence[str]
) -> list[CertificateDocument | Unsealed]:
    """The document of each of ``numbers`` (in that order), its sealed values opened. Raises the sealing
    errors (:class:`registry.identity.errors.IdentityError`) when a value does not open: a server fault."""
    rows = {row.number: row for row in await session.execute(_query(numbers))}
    prints = await _prints(session, numbers)
    sealed = [value for row in rows.values() for value in (row.number_sealed, row.photo_sealed) if value is not None]
    ring = await ring_for(session, settings, sealed) if sealed else None
    return [_document(rows[number], prints.get(number), ring, settings.server.public_url) for number in numbers]


def _document(
    row: Any, printed: tuple[str, bool] | None, ring: DataKeyRing | None, public_url: str
) -> CertificateDocument | Unsealed:
    if row.id is None or ring is None:
        return Unsealed(number=row.number)
    document_type = DocumentType(row.document_type)
    binding = identity_binding(row.id)
    document_number = ring.open_document_number(row.number_sealed, document_type, row=binding)
    photo = open_photo(ring, row.id, row.photo_sealed) if row.photo_sealed is not None else None
    kind = CertificateKind(row.kind)
    serial, reprinted = printed or ("", False)
    occupation = row.subject_type == "occupation"
    return view_of(
        row,
        CertificateDocument,
        kind=kind,
        document_type=document_type.label_zh,
        document_number=document_number,
        subject_name=(row.occupation_name if occupation else row.project_name) or row.subject_code,
        trade=(row.trade or "") if occupation else "",
        qr_url=token_url(public_url, encode_token(row.statement, row.signature)),
        query_url=public_url,
        print_serial=serial,
        remark=REPRINT_REMARK if reprinted and kind is CertificateKind.QUALIFICATION else "",
        photo=photo,
    )
