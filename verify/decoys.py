"""The decoy a miss is processed with, so that "no such number" costs what "wrong name" costs.

An unknown number and a known number asked with a wrong name get the same answer; they must also take the
same time (issue 10, item 7; docs/verify.md "Timing"). So a miss does every step a first look-up of a
known number does, on a made-up certificate that is thrown away and never shown: the database row is
decoded (:data:`DECOY_ROW`, shaped like a result row), the log proof is built, the statement is decoded and
its signature checked against a key set (:data:`DECOY_KEYSET`, holding only the decoy's key, which signs
nothing else), and the page is rendered with a log proof of realistic depth.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Final

from keys.keyinfo import PublicKeyInfo
from keys.keyset import KeySet
from keys.signing import SigningKey
from registry.statement import Statement, days_since_epoch, encode_statement, sign_statement
from verify.views import CertificateView, LogProof

#: The holder name a wrong name is compared with when there is no certificate.
DECOY_NAME: Final = "某某某"
_AUTHORITY: Final = "430100"
_ISSUED: Final = date(2026, 1, 1)
#: A key made from a public seed: it proves nothing and is trusted by nothing but :data:`DECOY_KEYSET`.
_SIGNER: Final = SigningKey.from_seed(b"certreg decoy key, signs nothing".ljust(32, b"\0")[:32])
DECOY_KEYSET: Final = KeySet(
    keys=(
        PublicKeyInfo.new(
            _SIGNER.public_key, authority=_AUTHORITY, purpose="statement", valid_from=datetime(2000, 1, 1, tzinfo=UTC)
        ),
    )
)
_STATEMENT: Final = Statement(
    version=1,
    number="S000043000101263900000",
    kind=1,
    holder_name=DECOY_NAME,
    holder_id_masked="430102********0000",
    subject_code="6-31-01-03",
    level=3,
    institution_code="S000043000101",
    authority_code=_AUTHORITY,
    issued_on=days_since_epoch(_ISSUED),
    kid=_SIGNER.kid,
)
DECOY_STATEMENT: Final = encode_statement(_STATEMENT)
DECOY_SIGNATURE: Final = sign_statement(_STATEMENT, _SIGNER)
#: A result row of ``verify.queries`` for the decoy (no status event), decoded like a real row on a miss.
DECOY_ROW: Final = (
    _STATEMENT.number, "skill_level", DECOY_NAME, _STATEMENT.holder_id_masked, "occupation",
    _STATEMENT.subject_code, "电工", None, 3, _STATEMENT.institution_code, "某某职业技能评价机构",
    _AUTHORITY, "某某市职业技能鉴定中心", _ISSUED, 0, DECOY_STATEMENT, DECOY_SIGNATURE,
    None, None, None, None, None, None,
    "000000000000000000", False, None, None, 0,  # its first print
)  # fmt: skip
#: Depth of the decoy's inclusion proof: that of a log of a million entries.
_PROOF_DEPTH: Final = 20
_LOG: Final = LogProof(
    tree_size=1 << _PROOF_DEPTH,
    root_hash=bytes(32),
    leaf_hash=bytes(32),
    proof=[bytes(32)] * _PROOF_DEPTH,
    checkpoint="certreg decoy checkpoint\n" + "0" * 300,
)


def decoy_view(number: str) -> CertificateView:
    """The decoy certificate under ``number``, with a log proof (never shown, never cached)."""
    return CertificateView(
        number=number,
        kind="skill_level",
        holder_name=DECOY_NAME,
        holder_id_masked=_STATEMENT.holder_id_masked,
        subject_type="occupation",
        subject_code=_STATEMENT.subject_code,
        subject_name="电工",
        level=3,
        institution_code=_STATEMENT.institution_code,
        institution_name="某某职业技能评价机构",
        authority_code=_AUTHORITY,
        authority_name="某某市职业技能鉴定中心",
        issued_on=_ISSUED,
        log_index=0,
        statement=DECOY_STATEMENT,
        signature=DECOY_SIGNATURE,
        log=_LOG,
        checkpoint_size=_LOG.tree_size,
    )
