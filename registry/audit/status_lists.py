"""Auditing the stored status lists (registry/credentials/status_list.py, docs/credentials.md "Status lists")
against the log and the authorities' keys.

A verifier learns that a certificate was revoked or superseded from one bit of its authority's signed
``BitstringStatusListCredential``, never from the log; a list changed in the database (a revoked certificate's
bit cleared) would tell every verifier that the certificate is valid, and nothing else in the audit would
notice. The bits are a pure function of the log (a bit is set exactly when its certificate has a revoke,
reissue or replace event: :data:`registry.certificates.STATUS_EVENT_KINDS`), so the audit recomputes them and
compares them with both the stored ``bits`` and the signed list's ``encodedList`` (what is served); the list's
proof must verify with a statement key of its authority as the key set the log records knows it, and be the
list of its own URL. A credential whose list is gone is reported too (its bit can no longer be set).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from keys.keyset import KeySet
from registry.audit.findings import AuditReport, Finding
from registry.certificates import STATUS_EVENT_KINDS
from registry.credentials.did_web import authority_did
from registry.credentials.errors import CredentialError
from registry.credentials.jcs import parse
from registry.credentials.signing import verify_authority_document
from registry.credentials.status_list import Bitstring, status_list_url
from registry.models import CertificateCredential, Event, StatusList

LIST_TYPE: Final = "BitstringStatusListCredential"
#: At most this many certificate numbers or indices named in one finding (the rest are counted).
NAMED: Final = 5

ListKey = tuple[str, int]

#: The positions whose bit the log sets: each stored credential of a certificate with a status event.
_SET_BY_LOG: Final = (
    select(
        CertificateCredential.authority_code,
        CertificateCredential.status_list,
        CertificateCredential.status_index,
        CertificateCredential.number,
    )
    .join(Event, and_(Event.subject == CertificateCredential.number, Event.kind.in_(STATUS_EVENT_KINDS)))
    .distinct()
)
_LISTS_NEEDED: Final = select(CertificateCredential.authority_code, CertificateCredential.status_list).distinct()
_STORED: Final = select(
    StatusList.authority_code, StatusList.list_number, StatusList.bits, StatusList.kid, StatusList.credential
).order_by(StatusList.authority_code, StatusList.list_number)


def set_indices(raw: bytes) -> set[int]:
    """The indices of the set bits of a stored bitstring (index 0 the most significant bit of byte 0)."""
    return {offset * 8 + bit for offset, byte in enumerate(raw) if byte for bit in range(8) if byte & (0x80 >> bit)}


def _named(values: Iterable[Any]) -> str:
    listed = sorted(values)
    more = f" (+{len(listed) - NAMED})" if len(listed) > NAMED else ""
    return ", ".join(map(str, listed[:NAMED])) + more


def bit_differences(source: str, found: set[int], expected: dict[int, str]) -> list[str]:
    """How the bits ``found`` in ``source`` (the stored ``bits`` or the signed ``encodedList``) differ from
    those the log sets (``expected``: index → certificate number)."""
    problems = []
    if cleared := [number for index, number in expected.items() if index not in found]:
        problems.append(
            f"{source}: the bit of {_named(cleared)} is clear, but the log revoked or superseded it (a verifier "
            "would see it valid)"
        )
    if extra := found - expected.keys():
        problems.append(f"{source}: bit(s) {_named(extra)} set, but no certificate there was revoked or superseded")
    return problems


def _signed_bits(row: Any, keyset: KeySet, public_url: str) -> tuple[set[int] | None, str | None]:
    """The set bits of the signed list (``None`` when it has none to read) and why its proof does not hold
    for this list (``None`` when it does)."""
    document: Any = None
    problem = None
    try:
        verified = verify_authority_document(
            row.credential, keyset=keyset, public_url=public_url, expected_type=LIST_TYPE
        )
    except CredentialError as exc:
        problem = f"{exc.reason}: {exc}"
    else:
        document = verified.document
        method = verified.verification_method
        if method.rpartition("#")[2] != row.kid:
            problem = f"signed by another key than {row.kid}"
        elif method.partition("#")[0] != authority_did(public_url, row.authority_code):
            problem = f"not signed by authority {row.authority_code}"
        elif document.get("id") != status_list_url(public_url, row.authority_code, row.list_number):
            problem = "the signed list is another list"
    if document is None:
        document = _unverified(row.credential)
    subject = document.get("credentialSubject") if isinstance(document, dict) else None
    encoded = subject.get("encodedList") if isinstance(subject, dict) else None
    if not isinstance(encoded, str):
        return None, problem
    try:
        return set_indices(Bitstring.decode(encoded).to_bytes()), problem
    except CredentialError:
        return None, problem


def _unverified(data: bytes) -> Any:
    """The list as stored when its proof fails: its bits are still what a careless verifier would read."""
    try:
        return parse(data)
    except CredentialError:
        return None


def check_status_list(report: AuditReport, row: Any, expected: dict[int, str], keyset: KeySet, public_url: str) -> None:
    """Report how the stored list ``row`` differs from the bits the log sets (``expected``) or fails its proof."""
    where = f"status list {row.authority_code}/{row.list_number}"
    problems = []
    try:
        stored = set_indices(Bitstring.from_bytes(row.bits).to_bytes())
    except (ValueError, TypeError):
        problems.append("bits: not a status list")
    else:
        problems += bit_differences("bits", stored, expected)
    signed, proof = _signed_bits(row, keyset, public_url)
    if signed is None:
        problems.append("encodedList: not a status list")
    else:
        problems += bit_differences("encodedList", signed, expected)
    if problems:
        report.add(
            Finding.STATUS_LIST_CHANGED,
            where,
            f"状态列表 {row.authority_code}/{row.list_number} 与日志记录的证书状态不符 / {where} differs from the "
            f"statuses the log records: {'; '.join(problems)}",
        )
    if proof is not None:
        report.add(
            Finding.STATUS_LIST_BAD_PROOF,
            where,
            f"状态列表 {row.authority_code}/{row.list_number} 的签名无法验证 / the proof of {where} does not verify "
            f"({proof})",
        )


async def audit_status_lists(session: AsyncSession, report: AuditReport, keyset: KeySet, public_url: str) -> None:
    """Check every stored status list against the statuses the log records and its proof, and report each
    list a credential points into that is not stored (``public_url``: the service's, which the authorities'
    did:web DIDs and the lists' URLs name)."""
    expected: dict[ListKey, dict[int, str]] = {}
    for authority, list_number, index, number in await session.execute(_SET_BY_LOG):
        expected.setdefault((authority, list_number), {})[index] = number
    stored: set[ListKey] = set()
    for row in await session.execute(_STORED):
        key = (row.authority_code, row.list_number)
        stored.add(key)
        check_status_list(report, row, expected.get(key, {}), keyset, public_url)
        report.status_lists += 1
    for authority, list_number in await session.execute(_LISTS_NEEDED):
        if (authority, list_number) not in stored:
            where = f"status list {authority}/{list_number}"
            report.add(
                Finding.STATUS_LIST_DELETED,
                where,
                f"凭证指向的状态列表 {authority}/{list_number} 已不存在 / {where}, which stored credentials point "
                "into, is gone: their revocation can no longer be published",
            )
