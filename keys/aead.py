"""Secret keys that seal values with XChaCha20-Poly1305 (IETF) and never show themselves.

Two kinds of key are of this sort: the key-encryption key (:mod:`keys.kek`) and the data keys that seal
holders' document numbers (:mod:`registry.identity.sealing.datakeys`). A sealed value is
``nonce (24) || ciphertext || tag (16)`` with a fresh random nonce — 192 bits, so random nonces never
repeat in practice — bound to associated data the caller chooses. Like :class:`keys.signing.SigningKey`, a
:class:`SecretKey` has no ``repr`` that shows its bytes and refuses pickling and copying; only
:meth:`SecretKey.export_key` (for sealing it into a file or wrapping it) hands the bytes out.

This module holds secret keys: the verify package must never import it (import-linter).
"""

from __future__ import annotations

import os
from typing import Final, NoReturn

import nacl.exceptions
from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_aead_xchacha20poly1305_ietf_encrypt,
    crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
    crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
)

from keys.errors import DecryptionError, InvalidKeyError

KEY_BYTES: Final = int(crypto_aead_xchacha20poly1305_ietf_KEYBYTES)
NONCE_BYTES: Final = int(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES)
TAG_BYTES: Final = 16


class SecretKey:
    """A 32-byte XChaCha20-Poly1305 key. Subclasses add what names the key (a KEK id, a data key id)."""

    __slots__ = ("_key",)

    def __init__(self, *, _key: bytes) -> None:
        """Private: subclasses offer named constructors. Raises :class:`InvalidKeyError` unless 32 bytes."""
        if not isinstance(_key, bytes) or len(_key) != KEY_BYTES:
            raise InvalidKeyError(f"密钥长度错误 / a {type(self).__name__} must be {KEY_BYTES} bytes")
        self._key = _key

    def seal(self, plaintext: bytes, *, aad: bytes) -> bytes:
        """``nonce || ciphertext || tag`` of ``plaintext`` under this key, bound to ``aad``."""
        nonce = os.urandom(NONCE_BYTES)
        return nonce + bytes(crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, aad, nonce, self._key))

    def open(self, sealed: bytes, *, aad: bytes) -> bytes:
        """The plaintext :meth:`seal` sealed with the same ``aad``.

        Raises :class:`DecryptionError` when ``sealed`` is shorter than nonce and tag or does not open (an
        altered nonce, ciphertext or tag, other associated data, or another key).
        """
        if not isinstance(sealed, bytes) or len(sealed) < NONCE_BYTES + TAG_BYTES:
            raise DecryptionError("密文长度不足 / a sealed value is shorter than its nonce and tag")
        try:
            return bytes(
                crypto_aead_xchacha20poly1305_ietf_decrypt(sealed[NONCE_BYTES:], aad, sealed[:NONCE_BYTES], self._key)
            )
        except (nacl.exceptions.CryptoError, nacl.exceptions.ValueError, nacl.exceptions.TypeError):
            raise DecryptionError(
                f"密文无法用{self!r}解开 / a sealed value does not open under {self!r}: it, or what it is bound "
                f"to, was altered"
            ) from None

    def export_key(self) -> bytes:
        """The raw 32 bytes, for sealing the key into a file or wrapping it only. Never log or print them."""
        return self._key

    def __repr__(self) -> str:
        return f"{type(self).__name__}(…)"

    def __str__(self) -> str:
        return repr(self)

    def __reduce__(self) -> NoReturn:
        raise TypeError(f"密钥不可序列化 / a {type(self).__name__} cannot be pickled or copied; seal or wrap it")

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        self.__reduce__()
