"""The audit of holder identities and imported certificates (issue 13 phase 2; ``docs/identity.md``,
``docs/legacy.md``). Nothing here decrypts: the audit compares what is stored in clear.

- every certificate with a sealed identity: the identity's index and mask are the certificate's own (a link
  moved to another holder's identity shows), and the identity exists (the foreign key keeps it so, unless an
  insider turned it off);
- every sealed identity: its number, and its photo where it has one, are sealed values in form (version, a
  header, nonce and tag, something sealed: :func:`registry.identity.sealing.envelope.data_key_id`) under a data
  key that a ``data_key`` row holds wrapped. Whether a value *opens* needs the key-encryption key, which the
  audit never has: a changed nonce, ciphertext or tag, or a value copied from another row, is found when the
  value is opened (``TamperedCiphertextError``: an identity read, an export), not here;
- every ``certificate.imported`` event: its certificate exists, was not issued from a batch, and was issued
  (its issue event) before the import event;
- every ``identity.read`` event: a province admin read the identity of an existing certificate, with a reason.
  The audit counts the reads (``AuditReport.identity_reads``) so the operator sees how many there were.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from registry.audit.findings import AuditReport, Finding
from registry.events import EventKind
from registry.identity.errors import UnsupportedEnvelopeError
from registry.identity.sealing.envelope import MIN_SEALED_BYTES, data_key_id
from registry.log.paging import in_chunks
from registry.models import Certificate, DataKeyRow, Event, HolderIdentity

CHUNK = 5000


async def _links(session: AsyncSession, report: AuditReport) -> None:
    rows = (
        select(Certificate.number, Certificate.holder_id_digest, Certificate.holder_id_masked,
               HolderIdentity.index_digest, HolderIdentity.masked)
        .join(HolderIdentity, HolderIdentity.id == Certificate.holder_identity_id)
    )  # fmt: skip
    async for chunk in in_chunks(session, rows, [Certificate.number], CHUNK):
        for number, digest, masked, index, identity_masked in chunk:
            if (bytes(digest), masked) != (bytes(index), identity_masked):
                report.add(
                    Finding.IDENTITY_MISMATCH,
                    number,
                    f"证书 {number} 指向的封存身份不是其持证人 / certificate {number} points at a sealed identity "
                    "whose index or mask is not the certificate's",
                )


async def _dangling(session: AsyncSession, report: AuditReport) -> None:
    rows = (
        select(Certificate.number)
        .outerjoin(HolderIdentity, HolderIdentity.id == Certificate.holder_identity_id)
        .where(Certificate.holder_identity_id.is_not(None), HolderIdentity.id.is_(None))
    )
    async for chunk in in_chunks(session, rows, [Certificate.number], CHUNK):
        for (number,) in chunk:
            report.add(
                Finding.IDENTITY_DANGLING,
                number,
                f"证书 {number} 指向的封存身份不存在 / certificate {number} points at no sealed identity: the row it "
                "names is gone",
            )


#: The sealed photo as far as its form is checked (header, nonce, tag: the rest is the photo, not read).
_PHOTO_HEAD: Final = func.substr(HolderIdentity.photo_sealed, 1, MIN_SEALED_BYTES)
_SEALED: Final = select(
    HolderIdentity.id,
    HolderIdentity.number_sealed,
    _PHOTO_HEAD,
    func.length(HolderIdentity.photo_sealed),
)


def sealed_problem(column: str, sealed: Any, size: int, data_keys: set[str]) -> tuple[Finding, str] | None:
    """What is wrong with the form of a sealed value of ``size`` bytes (``sealed``: its bytes, or at least its
    first :data:`MIN_SEALED_BYTES`), or ``None``: not a sealed value, or sealed under a data key no row holds."""
    try:
        key_id = data_key_id(sealed)
    except UnsupportedEnvelopeError as exc:
        return Finding.IDENTITY_SEALED_INVALID, f"{column}: {str(exc).rpartition(' / ')[2]}"  # the English half
    if size <= MIN_SEALED_BYTES:
        return Finding.IDENTITY_SEALED_INVALID, f"{column}: a sealed value seals nothing (header, nonce and tag only)"
    if key_id not in data_keys:
        return (
            Finding.IDENTITY_UNKNOWN_DATA_KEY,
            f"{column}: sealed under data key {key_id}, which no data_key row holds",
        )
    return None


async def _sealed(session: AsyncSession, report: AuditReport) -> None:
    data_keys = set(await session.scalars(select(DataKeyRow.dk_id)))  # a few hundred a year
    async for chunk in in_chunks(session, _SEALED, [HolderIdentity.id], CHUNK):
        for identity, number, photo, photo_size in chunk:
            size = len(number) if isinstance(number, bytes) else 0
            problems = [sealed_problem("number_sealed", number, size, data_keys)]
            if photo is not None:
                problems.append(sealed_problem("photo_sealed", photo, photo_size or 0, data_keys))
            found: dict[Finding, list[str]] = {}
            for problem in problems:
                if problem is not None:
                    found.setdefault(problem[0], []).append(problem[1])
            where = f"identity {identity}"
            for kind, why in found.items():
                report.add(kind, where, f"封存身份 {identity} {_ZH[kind]} / {where}: {'; '.join(why)}")


_ZH: Final = {
    Finding.IDENTITY_SEALED_INVALID: "的密文格式无效",
    Finding.IDENTITY_UNKNOWN_DATA_KEY: "的密文所用数据密钥不存在",
}


async def _imports(session: AsyncSession, report: AuditReport) -> None:
    issued = aliased(Event)
    rows = (
        select(Event.idx, Event.subject, Certificate.number, Certificate.batch_id, func.min(issued.idx))
        .outerjoin(Certificate, Certificate.number == Event.subject)
        .outerjoin(issued, (issued.subject == Event.subject) & (issued.kind == EventKind.CERTIFICATE_ISSUED.value))
        .where(Event.kind == EventKind.CERTIFICATE_IMPORTED.value)
        .group_by(Event.idx, Event.subject, Certificate.number, Certificate.batch_id)
    )
    async for chunk in in_chunks(session, rows, [Event.idx], CHUNK):
        for idx, subject, number, batch_id, issued_at in chunk:
            if number is None or batch_id is not None or issued_at is None or issued_at > idx:
                report.add(
                    Finding.IMPORT_INVALID,
                    subject,
                    f"第 {idx} 条的导入记录不对应导入的证书 / the import event at leaf {idx} names no imported "
                    f"certificate {subject} issued before it",
                )


async def _reads(session: AsyncSession, report: AuditReport) -> None:
    rows = (
        select(Event.idx, Event.subject, Event.actor, Event.reason, Certificate.number)
        .outerjoin(Certificate, Certificate.number == Event.subject)
        .where(Event.kind == EventKind.IDENTITY_READ.value)
    )
    async for chunk in in_chunks(session, rows, [Event.idx], CHUNK):
        for idx, subject, actor, reason, number in chunk:
            report.identity_reads += 1
            if number is None or ":province_admin:" not in actor or not reason.strip():
                report.add(
                    Finding.IDENTITY_READ_INVALID,
                    f"leaf {idx}",
                    f"第 {idx} 条身份查看记录不合规（证书不存在、非省管理员或无原因） / the identity read at leaf "
                    f"{idx} of {subject} is not a province admin's read of an existing certificate with a reason",
                )


async def audit_identities(session: AsyncSession, report: AuditReport) -> None:
    """The checks of the module docstring."""
    await _links(session, report)
    await _dangling(session, report)
    await _sealed(session, report)
    await _imports(session, report)
    await _reads(session, report)
