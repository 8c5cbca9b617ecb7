"""Offline verification of a QR token against a public key set: pure, no I/O, never raises for bad input.

A failed verification is data, not an exception: :func:`verify_token` returns a :class:`Verdict` whose
``reason`` is a stable code (listed in ``REASONS`` with Chinese and English text) that pages, the API and
metrics can rely on. Offline verification proves who signed what and when; it cannot know whether the
certificate was later revoked or superseded: only the server adds that current status.
"""

from __future__ import annotations

from typing import Final

import msgspec

from keys.errors import SignatureVerificationError
from keys.keyset import KeySet
from registry.qrtoken import TokenError, decode_token
from registry.statement import Statement, StatementError, decode_statement, verify_statement

#: Every reason code a verdict can carry, with the text a person reads (Chinese, English).
REASONS: Final[dict[str, tuple[str, str]]] = {
    "ok": ("签名有效", "signature valid"),
    "malformed_token": ("二维码内容无法识别", "the QR token is malformed"),
    "malformed_statement": ("证书声明格式错误", "the signed statement is malformed"),
    "unsupported_version": ("证书声明版本不受支持", "unsupported statement version"),
    "malformed_input": ("签名数据格式错误", "the signature data is malformed"),
    "unknown_key": ("签发密钥未知", "the signing key is not in the key set"),
    "wrong_key_purpose": ("签发密钥用途不符", "the key is not a statement-signing key"),
    "wrong_authority": (
        "签发密钥不属于证书所载的发证机构，证书不可信",
        "the signing key belongs to another authority than the one the certificate names",
    ),
    "key_not_valid_at_date": ("签发日期不在密钥有效期内", "the key was not valid on the issue date"),
    "key_compromised": ("签发密钥已泄露，证书不可信", "the signing key is compromised for this date"),
    "bad_signature": ("签名无效，内容可能被篡改", "bad signature: the data was altered or forged"),
}


class Verdict(msgspec.Struct, frozen=True, kw_only=True):
    """The outcome of an offline check.

    ``statement`` is the decoded statement whenever the bytes decoded, even if the signature failed;
    it is trustworthy only when ``valid`` is true.
    """

    valid: bool
    reason: str
    statement: Statement | None = None

    @property
    def text_zh(self) -> str:
        """The reason in Chinese."""
        return REASONS[self.reason][0]

    @property
    def text_en(self) -> str:
        """The reason in English."""
        return REASONS[self.reason][1]


def verify_token(token: str, keyset: KeySet) -> Verdict:
    """Verify a QR token (``statement || signature`` in base32) offline against ``keyset``.

    Never raises for bad input: a malformed token, a malformed statement or a signature the key set does
    not vouch for each give a verdict with ``valid=False`` and the matching reason code.
    """
    try:
        data, signature = decode_token(token)
    except TokenError as exc:
        return Verdict(valid=False, reason=exc.reason)
    try:
        statement = decode_statement(data)
        # Decodes again (about a microsecond): the contract function, not a copy of its checks.
        verify_statement(data, signature, keyset)
    except StatementError as exc:
        return Verdict(valid=False, reason=exc.reason)
    except SignatureVerificationError as exc:
        return Verdict(valid=False, reason=exc.reason, statement=statement)
    return Verdict(valid=True, reason="ok", statement=statement)
