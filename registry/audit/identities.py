"""The audit of holder identities and imported certificates (issue 13 phase 2; ``docs/identity.md``,
``docs/legacy.md``). Nothing here decrypts: the audit compares what is stored in clear.

- every certificate with a sealed identity: the identity's index and mask are the certificate's own (a link
  moved to another holder's identity shows);
- every ``certificate.imported`` event: its certificate exists, was not issued from a batch, and was issued
  (its issue event) before the import event;
- every ``identity.read`` event: a province admin read the identity of an existing certificate, with a reason.
  The audit counts the reads (``AuditReport.identity_reads``) so the operator sees how many there were.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from registry.audit.findings import AuditReport, Finding
from registry.events import EventKind
from registry.log.paging import in_chunks
from registry.models import Certificate, Event, HolderIdentity

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
    """The three checks of the module docstring."""
    await _links(session, report)
    await _imports(session, report)
    await _reads(session, report)
