"""The QR token: ``statement || signature`` in a URL a phone camera opens, checked offline by anyone.

Encoding: RFC 4648 base32, upper case, no padding, and the whole URL upper case
(``HTTPS://HOST/Q/{token}``), so the QR code is entirely in alphanumeric mode (5.5 bits a character).
Measured with segno (``bench/qr_size.py``, ``docs/qr.md``) this gives version 10 at error correction M for a
typical record, where base64url in byte mode needs version 11 or 12, and base45 is no smaller but puts
space, ``%`` and ``/`` in the path. Scheme and host are case-insensitive; the server must route the
upper-case path ``/Q/{token}`` (and ``/q/{token}`` with the same upper-case token).

Decoding is strict and canonical: exactly one string decodes to given bytes (lower case, padding, an
impossible length or non-zero trailing bits are refused), so a changed token is never the same proof.
Length is checked before decoding: at most ``MAX_TOKEN_CHARS``, enough for the largest valid statement.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import ClassVar, Final

from keys.signing import SIGNATURE_BYTES
from registry.errors import RegistryError
from registry.statement import MAX_STATEMENT_BYTES

#: base32 characters of the largest valid statement plus its signature: ceil((420 + 64) * 8 / 5).
MAX_TOKEN_CHARS: Final = -(-(MAX_STATEMENT_BYTES + SIGNATURE_BYTES) * 8 // 5)
#: A token must carry the signature and at least one statement byte: ceil(65 * 8 / 5).
MIN_TOKEN_CHARS: Final = -(-(SIGNATURE_BYTES + 1) * 8 // 5)
QR_PATH: Final = "/Q/"
SHORT_PATH: Final = "/c/"
_TOKEN: Final = re.compile(r"[A-Z2-7]*")
_NUMBER: Final = re.compile(r"[0-9A-Za-z*-]{1,32}")  # "*": a MOD 37-2 check character


class TokenError(RegistryError):
    """A QR token cannot be decoded; every subclass has the verdict code ``malformed_token``."""

    reason: ClassVar[str] = "malformed_token"


class TokenAlphabetError(TokenError):
    """A character outside upper-case base32 (``A-Z``, ``2-7``), or not a string at all."""


class NonCanonicalTokenError(TokenError):
    """An impossible length or non-zero trailing bits: not the one encoding of any bytes."""


class TokenTooShortError(TokenError):
    """Too short to hold a signature and a statement."""


class TokenTooLongError(TokenError):
    """Longer than ``MAX_TOKEN_CHARS``; refused before decoding."""


def encode_token(statement: bytes, signature: bytes) -> str:
    """The token of ``statement || signature``; raises :class:`TokenError` on a signature that is not 64
    bytes or a statement that is empty or longer than any valid one."""
    if len(signature) != SIGNATURE_BYTES or not 0 < len(statement) <= MAX_STATEMENT_BYTES:
        raise TokenError("令牌内容长度错误 / a token holds a 1..420-byte statement and a 64-byte signature")
    return base64.b32encode(statement + signature).rstrip(b"=").decode("ascii")


def decode_token(token: str) -> tuple[bytes, bytes]:
    """``(statement, signature)`` of a token, decoded strictly.

    Raises :class:`TokenTooLongError` (checked first, before any decoding), :class:`TokenAlphabetError`,
    :class:`TokenTooShortError` or :class:`NonCanonicalTokenError`.
    """
    if not isinstance(token, str):
        raise TokenAlphabetError("令牌必须是文本 / a token is a string")
    if len(token) > MAX_TOKEN_CHARS:
        raise TokenTooLongError(f"令牌过长 / token longer than {MAX_TOKEN_CHARS} characters")
    if not _TOKEN.fullmatch(token):
        raise TokenAlphabetError("令牌含非法字符 / token has characters outside upper-case base32 A-Z 2-7")
    if len(token) < MIN_TOKEN_CHARS:
        raise TokenTooShortError(f"令牌过短 / token shorter than {MIN_TOKEN_CHARS} characters")
    try:
        payload = base64.b32decode(token + "=" * (-len(token) % 8))
    except binascii.Error:
        raise NonCanonicalTokenError("令牌长度不合法 / token length is not a base32 length") from None
    if base64.b32encode(payload).rstrip(b"=").decode("ascii") != token:
        raise NonCanonicalTokenError("令牌编码不规范 / token is not canonical base32 (trailing bits)")
    return payload[:-SIGNATURE_BYTES], payload[-SIGNATURE_BYTES:]


def token_url(public_url: str, token: str) -> str:
    """The URL a QR code carries: ``PUBLIC_URL`` upper-cased, then ``/Q/{token}``.

    Upper case keeps the whole URL in the QR alphanumeric set; a ``PUBLIC_URL`` with a path prefix means
    the server must also answer that prefix in upper case.
    """
    return f"{public_url.rstrip('/').upper()}{QR_PATH}{token}"


def short_url(public_url: str, number: str) -> str:
    """The short mode's URL, ``{PUBLIC_URL}/c/{number}``: tiny QR, no offline proof (the server looks the
    number up). Raises :class:`TokenError` when ``number`` is not a certificate number's shape."""
    if not isinstance(number, str) or not _NUMBER.fullmatch(number):
        raise TokenError("证书编号格式错误 / a certificate number is 1-32 of 0-9 A-Z a-z - *")
    return f"{public_url.rstrip('/')}{SHORT_PATH}{number}"


def token_from_text(text: str) -> str:
    """The token in ``text``: the part after the last ``/q/`` or ``/Q/`` of a URL (query and fragment
    dropped), or ``text`` itself stripped of surrounding white space when it is no such URL."""
    text = text.strip()
    cut = max(text.rfind("/q/"), text.rfind("/Q/"))
    if cut < 0:
        return text
    return re.split(r"[?#]", text[cut + 3 :], maxsplit=1)[0]
