"""Key ids and the strict base64url used for raw keys in the key set.

A key id (``kid``) is a short, stable name of a public key that fits in a signed statement:
base64url without padding of the first 8 bytes of SHA-256 of the raw 32-byte Ed25519 public key
(always 11 characters). It is a hint for finding the key, never a proof: the key found by kid must
still verify the signature and be valid at the statement's date.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import Final

from keys.errors import InvalidKeyError

PUBLIC_KEY_BYTES: Final = 32
KID_LENGTH: Final = 11
KID_PATTERN: Final = re.compile(r"[A-Za-z0-9_-]{11}")
_B64URL: Final = re.compile(r"[A-Za-z0-9_-]*")


def key_id(public_key: bytes) -> str:
    """The kid of a raw 32-byte public key.

    Raises :class:`InvalidKeyError` when ``public_key`` is not 32 bytes.
    """
    if not isinstance(public_key, bytes) or len(public_key) != PUBLIC_KEY_BYTES:
        raise InvalidKeyError("公钥长度错误 / a public key must be 32 raw bytes")
    return b64url_encode(hashlib.sha256(public_key).digest()[:8])


def is_kid(value: object) -> bool:
    """Whether ``value`` has the shape of a kid (11 base64url characters); says nothing of existence."""
    return isinstance(value, str) and KID_PATTERN.fullmatch(value) is not None


def b64url_encode(data: bytes) -> str:
    """Base64url without padding (RFC 4648 §5), the form raw keys take in JSON."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict inverse of :func:`b64url_encode`: exactly one string decodes to given bytes.

    Raises ``ValueError`` on padding, a character outside the alphabet, an impossible length or
    non-zero trailing bits (which Python's decoder would silently ignore).
    """
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error:
        raise ValueError("not unpadded base64url") from None
    if b64url_encode(data) != text:
        raise ValueError("non-canonical base64url")
    return data
