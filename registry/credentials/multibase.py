"""Multibase (base58btc ``z``, base64url ``u``) and Multikey Ed25519 public keys.

* ``proofValue`` of a Data Integrity proof is ``z`` + base58btc(64-byte signature) (vc-di-eddsa §3.3.6).
* A ``Multikey`` Ed25519 public key is ``z`` + base58btc(0xed 0x01 ‖ 32-byte key) (Controlled Identifiers
  v1.0 §2.2.2, "Multikey": 0xed01 is the varint of multicodec 0xed, ``ed25519-pub``).
* ``encodedList`` of a Bitstring Status List is ``u`` + base64url without padding (Bitstring Status List
  v1.0 §2.1).

Decoding is strict: one string per byte string (leading ``1`` characters stand for leading zero bytes,
nothing else is accepted), so a value cannot be re-spelled while still verifying.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Final

from registry.credentials.errors import MalformedCredentialError

BASE58_ALPHABET: Final = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_INDEX: Final = {char: value for value, char in enumerate(BASE58_ALPHABET)}
ED25519_PUB_PREFIX: Final = b"\xed\x01"
ED25519_PUBLIC_KEY_BYTES: Final = 32
#: Longer multibase strings than this are refused before decoding (base58 decoding is quadratic).
MAX_BASE58_CHARS: Final = 256
_BASE58_CHUNK: Final = 58**4  # < 2**30
_BASE58_PAIRS: Final = [high + low for high in BASE58_ALPHABET for low in BASE58_ALPHABET]
_B64URL: Final = re.compile(r"[A-Za-z0-9_-]*")


def base58btc_encode(data: bytes) -> str:
    """Bitcoin base58 of ``data`` (leading zero bytes become leading ``1``).

    Four base-58 digits at a time: 58⁴ fits in one of CPython's 30-bit big-number digits, so each division
    of the big number takes its fast one-digit path, and the remainder is two table look-ups of two digits.
    A 64-byte signature (one per credential, issue 12) in 16 µs instead of 37 µs with ten digits a division
    (a two-digit divisor: the slow path) and 150 µs digit by digit."""
    zeros = len(data) - len(data.lstrip(b"\0"))
    number = int.from_bytes(data, "big")
    pairs: list[str] = []  # least significant first
    add = pairs.append
    while number:
        number, chunk = divmod(number, _BASE58_CHUNK)
        add(_BASE58_PAIRS[chunk % 3364])
        add(_BASE58_PAIRS[chunk // 3364])
    pairs.reverse()
    return "1" * zeros + "".join(pairs).lstrip("1")


def base58btc_decode(text: str) -> bytes:
    """Inverse of :func:`base58btc_encode`; raises :class:`MalformedCredentialError` on a character
    outside the alphabet or a string over :data:`MAX_BASE58_CHARS`."""
    if len(text) > MAX_BASE58_CHARS:
        raise MalformedCredentialError(f"base58 值过长 / base58 value longer than {MAX_BASE58_CHARS} characters")
    number = 0
    for char in text:
        value = _BASE58_INDEX.get(char)
        if value is None:
            raise MalformedCredentialError(f"不是 base58 字符 / {char!r} is not a base58btc character")
        number = number * 58 + value
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def multibase_base58btc(data: bytes) -> str:
    """``z`` + base58btc(``data``)."""
    return "z" + base58btc_encode(data)


def decode_multibase_base58btc(text: str, *, field: str) -> bytes:
    """The bytes of a ``z``-prefixed multibase string; raises :class:`MalformedCredentialError` naming
    ``field`` when the prefix or an alphabet character is wrong."""
    if not isinstance(text, str) or not text.startswith("z"):
        raise MalformedCredentialError(f"{field} 必须是 z 开头的 base58btc / {field} must be base58btc multibase (z…)")
    return base58btc_decode(text[1:])


def multibase_base64url(data: bytes) -> str:
    """``u`` + base64url(``data``) without padding."""
    return "u" + base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def decode_multibase_base64url(text: str, *, field: str) -> bytes:
    """The bytes of a ``u``-prefixed unpadded base64url string; raises :class:`MalformedCredentialError`."""
    body = text[1:] if isinstance(text, str) and text.startswith("u") else None
    if body is None or not _B64URL.fullmatch(body) or len(body) % 4 == 1:
        raise MalformedCredentialError(f"{field} 必须是 u 开头的 base64url / {field} must be base64url multibase (u…)")
    try:
        data = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except binascii.Error:
        raise MalformedCredentialError(f"{field} 不是有效的 base64url / {field} is not valid base64url") from None
    if multibase_base64url(data) != text:
        raise MalformedCredentialError(f"{field} 编码不规范 / {field} is not canonically encoded")
    return data


def ed25519_multikey(public_key: bytes) -> str:
    """The ``publicKeyMultibase`` of a raw 32-byte Ed25519 public key."""
    if len(public_key) != ED25519_PUBLIC_KEY_BYTES:
        raise MalformedCredentialError("Ed25519 公钥须为 32 字节 / an Ed25519 public key is 32 bytes")
    return multibase_base58btc(ED25519_PUB_PREFIX + public_key)


def decode_ed25519_multikey(text: str) -> bytes:
    """The raw 32-byte key of an Ed25519 ``publicKeyMultibase``; raises :class:`MalformedCredentialError`
    for another key type (a secret key's header 0x8026 included) or length."""
    data = decode_multibase_base58btc(text, field="publicKeyMultibase")
    if not data.startswith(ED25519_PUB_PREFIX) or len(data) != len(ED25519_PUB_PREFIX) + ED25519_PUBLIC_KEY_BYTES:
        raise MalformedCredentialError("不是 Ed25519 Multikey 公钥 / publicKeyMultibase is not an Ed25519 public key")
    return data[len(ED25519_PUB_PREFIX) :]
