"""Ed25519 signing keys and raw signature verification.

A thin layer over libsodium (through PyNaCl's low-level bindings, so the hot path costs no more than bare
PyNaCl): :class:`SigningKey` signs bytes and returns the 64-byte detached signature; :func:`verify_signature`
checks one and raises a typed error instead of returning a bool. PyNaCl's own exceptions never escape, so
bad input is never a 500.

The private seed never shows in a ``repr``, ``str``, exception or pickle: a ``SigningKey`` refuses to be
pickled or copied, and only :meth:`SigningKey.export_seed` (used by the sealed key-file writer) hands it out.
"""

from __future__ import annotations

import os
from typing import Final, NoReturn

import nacl.exceptions
from nacl.bindings import crypto_sign, crypto_sign_open, crypto_sign_seed_keypair

from keys.errors import BadSignatureError, InvalidKeyError, MalformedInputError
from keys.kid import PUBLIC_KEY_BYTES, key_id

SEED_BYTES: Final = 32
SIGNATURE_BYTES: Final = 64


class SigningKey:
    """An Ed25519 private key of one authority. Build it with :meth:`generate` or :meth:`from_seed`."""

    __slots__ = ("_kid", "_public", "_secret")

    def __init__(self, *, _secret: bytes, _public: bytes) -> None:
        """Private: use the named constructors, which check the material."""
        self._secret = _secret
        self._public = _public
        self._kid = key_id(_public)

    @classmethod
    def generate(cls) -> SigningKey:
        """A new key from the operating system's random generator."""
        return cls.from_seed(os.urandom(SEED_BYTES))

    @classmethod
    def from_seed(cls, seed: bytes) -> SigningKey:
        """The key of a 32-byte seed (RFC 8032's "private key"); raises :class:`InvalidKeyError` otherwise."""
        if not isinstance(seed, bytes) or len(seed) != SEED_BYTES:
            raise InvalidKeyError("私钥种子长度错误 / a signing key seed must be 32 bytes")
        public, secret = crypto_sign_seed_keypair(seed)
        return cls(_secret=secret, _public=public)

    @property
    def public_key(self) -> bytes:
        """The raw 32-byte public key."""
        return self._public

    @property
    def kid(self) -> str:
        """The key id of the public key (see :func:`keys.kid.key_id`)."""
        return self._kid

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``message``; raises :class:`MalformedInputError` on non-bytes."""
        try:
            return crypto_sign(message, self._secret)[:SIGNATURE_BYTES]
        except (nacl.exceptions.TypeError, TypeError):
            raise MalformedInputError("待签名数据必须是字节串 / the message to sign must be bytes") from None

    def export_seed(self) -> bytes:
        """The 32-byte seed, for sealing into a key file only. Never log or print it."""
        return self._secret[:SEED_BYTES]

    def __repr__(self) -> str:
        return f"SigningKey(kid={self._kid!r})"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("私钥不可序列化 / a SigningKey cannot be pickled or copied; seal it in a key file")

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        self.__reduce__()


def verify_signature(*, public_key: bytes, message: bytes, signature: bytes) -> None:
    """Check an Ed25519 ``signature`` of ``message`` under a raw ``public_key``.

    Returns ``None`` when it verifies. Raises :class:`MalformedInputError` on a wrong type or length and
    :class:`BadSignatureError` when the signature does not match (libsodium also rejects non-canonical
    signatures and small-order keys, so a valid signature cannot be altered into another valid one).
    """
    if not (
        isinstance(public_key, bytes)
        and isinstance(message, bytes)
        and isinstance(signature, bytes)
        and len(public_key) == PUBLIC_KEY_BYTES
        and len(signature) == SIGNATURE_BYTES
    ):
        raise MalformedInputError("签名或公钥格式错误 / public key must be 32 bytes, signature 64 bytes, message bytes")
    try:
        # Detached form, message last: the PyNaCl trap (verify without signature=) cannot happen here.
        crypto_sign_open(signature + message, public_key)
    except nacl.exceptions.BadSignatureError:
        raise BadSignatureError("签名无效 / the signature does not match the data and key") from None
    except (nacl.exceptions.ValueError, nacl.exceptions.TypeError, ValueError, TypeError):
        raise MalformedInputError("签名验证输入无效 / unusable verification input") from None
