"""The key-encryption key (KEK): wraps the data keys that seal holders' identity documents.

Envelope encryption in two levels. Rows are sealed under *data keys* (:mod:`registry.identity.sealing`);
each data key is stored only **wrapped** by the KEK, and the KEK itself exists at rest only as a sealed
file, unsealed with a passphrase exactly as signing keys are (:mod:`keys.sealing`: Argon2id, the same KDF
levels and caps, the same file modes and atomic writes). Rotating the KEK therefore re-wraps a few hundred
data keys and never touches a row.

A KEK is 32 random bytes; its id (``kek_id``) is base64url of a personalised BLAKE2b-64 of the key, so an
opened file proves it holds the key its header names, and every wrapped data key says which KEK wraps it.
Wrapping is XChaCha20-Poly1305 (IETF) with a random 24-byte nonce and associated data chosen by the caller,
which binds a wrapped key to its id and owner. Callers wrap and unwrap through
:meth:`KeyEncryptionKey.wrap` and :meth:`KeyEncryptionKey.unwrap`; only the file writer exports the bytes. Like a
:class:`keys.signing.SigningKey` it refuses pickling, and its ``repr`` shows the id only.

This module unwraps secrets: the verify package must never import it (import-linter).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Final, NoReturn

import msgspec
import nacl.encoding
import nacl.exceptions
import nacl.hash
import nacl.utils
from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_aead_xchacha20poly1305_ietf_encrypt,
    crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
)

from keys.errors import InvalidKeyError, KeyFileError, KeyUnwrapError, TamperedKeyFileError
from keys.keyfile_format import KdfParams, check_header, decode_strict
from keys.keyinfo import AwareDatetime
from keys.kid import b64url_encode
from keys.sealing import (
    DEFAULT_MEMLIMIT,
    DEFAULT_OPSLIMIT,
    new_kdf,
    open_secret,
    read_private_file,
    seal_secret,
    write_private_file,
)

__all__ = [
    "KEK_BYTES",
    "KekFile",
    "KekFileHeader",
    "KeyEncryptionKey",
    "read_kek_file",
    "read_kek_file_header",
    "write_kek_file",
]

log = logging.getLogger("certreg.keys")
KEK_BYTES: Final = 32
KEK_FORMAT: Final = "certreg-sealed-kek-v1"
NONCE_BYTES: Final = int(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES)
_ID_PERSON: Final = b"certreg-kek-id"
_TAG_BYTES: Final = 16


def kek_id_of(key: bytes) -> str:
    """The id of a raw KEK: base64url of BLAKE2b-64 personalised ``certreg-kek-id`` (11 characters)."""
    digest = nacl.hash.blake2b(key, digest_size=8, person=_ID_PERSON, encoder=nacl.encoding.RawEncoder)
    return b64url_encode(digest)


class KeyEncryptionKey:
    """A 32-byte key that wraps data keys. Build it with :meth:`generate`, or open a KEK file."""

    __slots__ = ("_kek_id", "_key")

    def __init__(self, *, _key: bytes) -> None:
        """Private: use the named constructors, which check the material."""
        self._key = _key
        self._kek_id = kek_id_of(_key)

    @classmethod
    def generate(cls) -> KeyEncryptionKey:
        """A new KEK from the operating system's random generator."""
        return cls.from_bytes(os.urandom(KEK_BYTES))

    @classmethod
    def from_bytes(cls, key: bytes) -> KeyEncryptionKey:
        """The KEK of 32 raw bytes; raises :class:`InvalidKeyError` otherwise."""
        if not isinstance(key, bytes) or len(key) != KEK_BYTES:
            raise InvalidKeyError("密钥加密密钥长度错误 / a key-encryption key must be 32 bytes")
        return cls(_key=key)

    @property
    def kek_id(self) -> str:
        """The KEK's id (see :func:`kek_id_of`); stored beside every key it wraps."""
        return self._kek_id

    def wrap(self, secret: bytes, *, aad: bytes) -> bytes:
        """``nonce || ciphertext || tag`` of ``secret`` under this KEK, bound to ``aad``."""
        nonce = nacl.utils.random(NONCE_BYTES)
        return nonce + crypto_aead_xchacha20poly1305_ietf_encrypt(secret, aad, nonce, self._key)

    def unwrap(self, blob: bytes, *, aad: bytes) -> bytes:
        """The secret :meth:`wrap` sealed with the same ``aad``.

        Raises :class:`KeyUnwrapError` when the blob is too short or does not open (an altered nonce,
        ciphertext or tag, other associated data, or another KEK).
        """
        if not isinstance(blob, bytes) or len(blob) < NONCE_BYTES + _TAG_BYTES:
            raise KeyUnwrapError("被包装的密钥长度错误 / a wrapped key is shorter than nonce and tag")
        try:
            return bytes(
                crypto_aead_xchacha20poly1305_ietf_decrypt(blob[NONCE_BYTES:], aad, blob[:NONCE_BYTES], self._key)
            )
        except (nacl.exceptions.CryptoError, nacl.exceptions.ValueError, nacl.exceptions.TypeError):
            raise KeyUnwrapError(
                f"被包装的密钥无法用密钥加密密钥{self._kek_id}打开 / a wrapped key does not open under KEK "
                f"{self._kek_id}: it, or what it is bound to, was altered"
            ) from None

    def __repr__(self) -> str:
        return f"KeyEncryptionKey(kek_id={self._kek_id!r})"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("密钥加密密钥不可序列化 / a KeyEncryptionKey cannot be pickled or copied; seal it in a file")

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        self.__reduce__()

    def export_key(self) -> bytes:
        """The raw 32 bytes, for sealing into a KEK file only. Never log or print them."""
        return self._key


class KekFileHeader(msgspec.Struct, frozen=True, kw_only=True):
    """The clear metadata of a KEK file; a sealed copy of it is checked on every open."""

    format: str
    kek_id: Annotated[str, msgspec.Meta(pattern="^[A-Za-z0-9_-]{11}$")]
    created_at: AwareDatetime
    kdf: KdfParams


class KekFileDocument(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The whole KEK file: header, passphrase check value and sealed ``header JSON || KEK``."""

    header: KekFileHeader
    check: str
    sealed: str


@dataclass(frozen=True, slots=True)
class KekFile:
    """An opened KEK file."""

    kek: KeyEncryptionKey
    kek_id: str
    created_at: datetime


def write_kek_file(
    path: str | os.PathLike[str],
    kek: KeyEncryptionKey,
    *,
    passphrase: bytes,
    created_at: datetime,
    opslimit: int = DEFAULT_OPSLIMIT,
    memlimit: int = DEFAULT_MEMLIMIT,
) -> None:
    """Seal ``kek`` into a new file at ``path`` (0600 in a 0700 directory); never overwrites one.

    Raises what :func:`keys.keyfile.write_key_file` raises, for the same reasons.
    """
    if not isinstance(passphrase, bytes) or not passphrase:
        raise KeyFileError("口令不能为空 / the passphrase must be non-empty bytes")
    if created_at.utcoffset() is None:
        raise KeyFileError("创建时间缺少时区 / created_at needs a time zone")
    kdf = new_kdf(opslimit=opslimit, memlimit=memlimit)
    header = KekFileHeader(format=KEK_FORMAT, kek_id=kek.kek_id, created_at=created_at, kdf=kdf)
    check, sealed = seal_secret(passphrase, kdf, header=msgspec.json.encode(header), secret=kek.export_key())
    document = KekFileDocument(header=header, check=check, sealed=sealed)
    write_private_file(Path(path), msgspec.json.format(msgspec.json.encode(document)) + b"\n")
    log.info("sealed KEK file written: kek_id=%s path=%s", kek.kek_id, path)


def _document(path: str | os.PathLike[str]) -> KekFileDocument:
    where = os.fspath(path)
    document = decode_strict(read_private_file(Path(path)), KekFileDocument, where)
    check_header(document.header.format, KEK_FORMAT, document.header.kdf, where)
    return document


def read_kek_file_header(path: str | os.PathLike[str]) -> KekFileHeader:
    """The clear metadata of a KEK file, without the passphrase (to list KEKs)."""
    return _document(path).header


def read_kek_file(path: str | os.PathLike[str], passphrase: bytes) -> KekFile:
    """Open a KEK file with ``passphrase``.

    Raises :class:`keys.errors.WrongPassphraseError` for a wrong passphrase (or altered KDF inputs),
    :class:`TamperedKeyFileError` when the sealed part, the clear header or the id was changed,
    :class:`keys.errors.CorruptKeyFileError`, :class:`keys.errors.InsecureKeyFileError` or
    :class:`keys.errors.UnsupportedKdfError` as for a signing key file.
    """
    document = _document(path)
    header = document.header
    raw = open_secret(
        passphrase,
        header.kdf,
        check=document.check,
        sealed=document.sealed,
        header=msgspec.json.encode(header),
        secret_bytes=KEK_BYTES,
        where=os.fspath(path),
    )
    kek = KeyEncryptionKey.from_bytes(raw)
    if kek.kek_id != header.kek_id:
        raise TamperedKeyFileError(f"密钥加密密钥标识不符 / the KEK in {os.fspath(path)} does not match its id")
    log.info("sealed KEK file opened: kek_id=%s path=%s", kek.kek_id, path)
    return KekFile(kek=kek, kek_id=kek.kek_id, created_at=header.created_at)
