"""The key-encryption key (KEK): wraps the data keys that seal holders' identity documents.

Envelope encryption in two levels. Rows are sealed under *data keys* (:mod:`registry.identity.sealing`);
each data key is stored only **wrapped** by the KEK, and the KEK itself exists at rest only as a sealed
file, unsealed with a passphrase exactly as signing keys are (:mod:`keys.sealing`: Argon2id, the same KDF
levels and caps, the same file modes and atomic writes). Rotating the KEK therefore re-wraps a few hundred
data keys and never touches a row.

A KEK is 32 random bytes; its id (``kek_id``) is base64url of a personalised BLAKE2b-64 of the key, so an
opened file proves it holds the key its header names, and every wrapped data key says which KEK wraps it.
A KEK is a :class:`keys.aead.SecretKey`: it wraps with :meth:`~keys.aead.SecretKey.seal` (XChaCha20-Poly1305,
a random 24-byte nonce, associated data chosen by the caller to bind a wrapped key to its id and owner) and
unwraps with :meth:`~keys.aead.SecretKey.open`; it refuses pickling, and its ``repr`` shows the id only.

This module unwraps secrets: the verify package must never import it (import-linter).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Final

import msgspec
import nacl.encoding
import nacl.hash

from keys.aead import KEY_BYTES, SecretKey
from keys.errors import TamperedKeyFileError
from keys.keyfile_format import KdfParams, check_header, decode_strict
from keys.keyinfo import AwareDatetime
from keys.kid import b64url_encode
from keys.sealing import DEFAULT_MEMLIMIT, DEFAULT_OPSLIMIT, open_document, read_private_file, seal_new_file

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
KEK_BYTES: Final = KEY_BYTES
KEK_FORMAT: Final = "certreg-sealed-kek-v1"
_ID_PERSON: Final = b"certreg-kek-id"


def kek_id_of(key: bytes) -> str:
    """The id of a raw KEK: base64url of BLAKE2b-64 personalised ``certreg-kek-id`` (11 characters)."""
    digest = nacl.hash.blake2b(key, digest_size=8, person=_ID_PERSON, encoder=nacl.encoding.RawEncoder)
    return b64url_encode(digest)


class KeyEncryptionKey(SecretKey):
    """A 32-byte key that wraps data keys. Build it with :meth:`generate`, or open a KEK file."""

    __slots__ = ("_kek_id",)

    def __init__(self, *, _key: bytes) -> None:
        """Private: use the named constructors, which check the material."""
        super().__init__(_key=_key)
        self._kek_id = kek_id_of(_key)

    @classmethod
    def generate(cls) -> KeyEncryptionKey:
        """A new KEK from the operating system's random generator."""
        return cls(_key=os.urandom(KEK_BYTES))

    @classmethod
    def from_bytes(cls, key: bytes) -> KeyEncryptionKey:
        """The KEK of 32 raw bytes; raises :class:`keys.errors.InvalidKeyError` otherwise."""
        return cls(_key=key)

    @property
    def kek_id(self) -> str:
        """The KEK's id (see :func:`kek_id_of`); stored beside every key it wraps."""
        return self._kek_id

    def __repr__(self) -> str:
        return f"KeyEncryptionKey(kek_id={self._kek_id!r})"


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
    seal_new_file(
        path,
        header=lambda kdf: KekFileHeader(format=KEK_FORMAT, kek_id=kek.kek_id, created_at=created_at, kdf=kdf),
        document=KekFileDocument,
        secret=kek.export_key(),
        passphrase=passphrase,
        created_at=created_at,
        opslimit=opslimit,
        memlimit=memlimit,
    )
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
    raw = open_document(document, passphrase, secret_bytes=KEK_BYTES, where=os.fspath(path))
    kek = KeyEncryptionKey.from_bytes(raw)
    if kek.kek_id != document.header.kek_id:
        raise TamperedKeyFileError(f"密钥加密密钥标识不符 / the KEK in {os.fspath(path)} does not match its id")
    log.info("sealed KEK file opened: kek_id=%s path=%s", kek.kek_id, path)
    return KekFile(kek=kek, kek_id=kek.kek_id, created_at=document.header.created_at)
