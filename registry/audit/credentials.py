"""Auditing stored W3C credentials (docs/credentials.md) against the log and the authorities' keys.

A certificate's credential is written once, with the event that commits to it (``certificate.issued`` at
issue, ``certificate.credential`` when signed later): the event holds ``credential_sha256``, the status
value and ``credential_kid``. So each ``certificate_credential`` row must hash to what its event says, carry
the event's status value and key, and its Data Integrity proof (``eddsa-jcs-2022``) must verify with that
authority key as the key set the log records knows it (:func:`registry.credentials.signing.
verify_authority_document`), for the certificate it names. An event that commits to a credential whose
row is gone is reported too. Streamed in chunks by number and by leaf index, in constant memory.
"""

from __future__ import annotations

import hashlib
from typing import Any, Final

import msgspec
from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from keys.keyset import KeySet
from registry.audit.findings import AuditProgress, AuditReport, Finding
from registry.credentials.did_web import authority_did
from registry.credentials.errors import CredentialError
from registry.credentials.signing import verify_authority_document
from registry.credentials.status_list import status_position
from registry.events import EventKind, decode_entry
from registry.log.paging import in_chunks
from registry.models import CertificateCredential, Event

CHUNK: Final = 1000
#: The events that commit to a credential.
COMMITTING: Final = (EventKind.CERTIFICATE_ISSUED.value, EventKind.CERTIFICATE_CREDENTIAL.value)
CREDENTIAL_TYPE: Final = "OpenBadgeCredential"


def _details(data: bytes | None) -> dict[str, Any]:
    if data is None:
        return {}
    try:
        return decode_entry(data).details
    except (msgspec.DecodeError, msgspec.ValidationError):
        return {}  # reported as a changed event by the log audit


def credential_differences(row: Any) -> list[str]:
    """What the stored credential ``row`` (joined with the event at its ``log_index``) no longer shares with
    that event: its bytes' SHA-256, its status value, its key; and whether its status list and index are the
    ones its status value gives."""
    details = _details(row.event_data)
    found = []
    if details.get("credential_sha256") != hashlib.sha256(row.credential).digest():
        found.append("credential_sha256")
    if details.get("status") != row.status_value:
        found.append("status")
    if details.get("credential_kid") != row.kid:
        found.append("credential_kid")
    if not _at_its_position(row):
        found.append("status_list, status_index")
    return found


def _at_its_position(row: Any) -> bool:
    """Whether the row's status list and index are where its status value puts them. A revocation sets the bit
    these two columns name, so a row pointing elsewhere would leave its certificate valid in the list."""
    try:
        position = status_position(row.status_value)
    except ValueError:
        return False
    return (row.status_list, row.status_index) == (position.list_number, position.index)


def proof_problem(row: Any, keyset: KeySet, public_url: str) -> str | None:
    """Why the credential's proof does not hold for its certificate (``None`` when it does): it must verify
    with one of the authority's statement keys, be signed by the row's key, and name the certificate."""
    try:
        verified = verify_authority_document(
            row.credential, keyset=keyset, public_url=public_url, expected_type=CREDENTIAL_TYPE
        )
    except CredentialError as exc:
        return f"{exc.reason}: {exc}"
    if verified.verification_method.rpartition("#")[2] != row.kid:
        return f"signed by another key than {row.kid}"
    subject = verified.document.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("licenseNumber") != row.number:
        return "the credential names another certificate"
    if verified.verification_method.partition("#")[0] != authority_did(public_url, row.authority_code):
        return f"not signed by authority {row.authority_code}"
    return None


def check_credential(report: AuditReport, row: Any, keyset: KeySet, public_url: str) -> None:
    """Report how the stored credential ``row`` differs from its event, or fails to verify."""
    where = f"credential of certificate {row.number}"
    if row.event_kind not in COMMITTING or row.event_subject != row.number:
        report.add(
            Finding.CREDENTIAL_UNLOGGED,
            row.number,
            f"证书 {row.number} 的凭证没有记录它的事件（第 {row.log_index} 条）/ the {where} has no event of its own "
            f"at leaf {row.log_index}",
        )
    elif changed := credential_differences(row):
        report.add(
            Finding.CREDENTIAL_CHANGED,
            row.number,
            f"证书 {row.number} 的凭证与第 {row.log_index} 条事件记录的不一致 / the {where} differs from leaf "
            f"{row.log_index} in {', '.join(changed)}",
        )
    problem = proof_problem(row, keyset, public_url)
    if problem is not None:
        report.add(
            Finding.CREDENTIAL_BAD_PROOF,
            row.number,
            f"证书 {row.number} 的凭证签名无法验证 / the proof of the {where} does not verify ({problem})",
        )


_ROWS: Final = select(
    CertificateCredential.number,
    CertificateCredential.log_index,
    CertificateCredential.authority_code,
    CertificateCredential.status_value,
    CertificateCredential.status_list,
    CertificateCredential.status_index,
    CertificateCredential.kid,
    CertificateCredential.credential,
    Event.kind.label("event_kind"),
    Event.subject.label("event_subject"),
    Event.data.label("event_data"),
).outerjoin(Event, Event.idx == CertificateCredential.log_index)
#: Committing events with no credential row at their leaf (older certificates, or a deleted row).
_ORPHANS: Final = (
    select(Event.idx, Event.subject, Event.data)
    .outerjoin(
        CertificateCredential,
        and_(CertificateCredential.log_index == Event.idx, CertificateCredential.number == Event.subject),
    )
    .where(Event.kind.in_(COMMITTING), CertificateCredential.number.is_(None))
)


async def audit_credentials(
    session: AsyncSession, report: AuditReport, keyset: KeySet, public_url: str, progress: AuditProgress
) -> None:
    """Check every stored credential against its event and its proof, and every event that commits to a
    credential against the rows (``public_url`` is the service's, which the authorities' did:web DIDs name)."""
    total = await session.scalar(select(func.count()).select_from(CertificateCredential)) or 0
    progress.stage("credentials", total)
    async for rows in in_chunks(session, _ROWS, [CertificateCredential.number], CHUNK):
        for row in rows:
            check_credential(report, row, keyset, public_url)
        report.credentials += len(rows)
        progress.advance(len(rows))
    async for events in in_chunks(session, _ORPHANS, [Event.idx], CHUNK):
        for index, subject, data in events:
            if "credential_sha256" in _details(data):
                report.add(
                    Finding.CREDENTIAL_DELETED,
                    subject or str(index),
                    f"第 {index} 条事件记录的证书 {subject} 的凭证已不存在 / the credential of certificate {subject} "
                    f"that leaf {index} commits to is gone",
                )
