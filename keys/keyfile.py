"""Sealed private-key files: the only form a private key takes at rest.

A key file is JSON: a clear ``header`` (format, kid, authority, purpose, algorithm, public key, creation
time, and the Argon2id parameters with their salt), a ``check`` value and the ``sealed`` seed, sealed the one
way the keys package seals anything (:mod:`keys.sealing`, which says how each kind of damage is told apart).
Beyond that module's errors, a kid that does not match the public key or the sealed seed is
:class:`TamperedKeyFileError`, a truncated or malformed file :class:`CorruptKeyFileError`, and KDF parameters
we do not support or that exceed our caps :class:`UnsupportedKdfError`.
This module is the private-key loader: the verify package must never import it (import-linter).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from keys.errors import TamperedKeyFileError
from keys.keyfile_format import FORMAT, KeyFileDocument, KeyFileHeader, decode_document
from keys.keyinfo import Purpose
from keys.kid import b64url_encode
from keys.sealing import DEFAULT_MEMLIMIT, DEFAULT_OPSLIMIT, open_document, read_private_file, seal_new_file
from keys.signing import SEED_BYTES, SigningKey

__all__ = ["KeyFile", "KeyFileHeader", "read_key_file", "read_key_file_header", "write_key_file"]

log = logging.getLogger("certreg.keys")


@dataclass(frozen=True, slots=True)
class KeyFile:
    """An opened key file: the signing key and the metadata the file recorded about it."""

    key: SigningKey
    kid: str
    authority: str
    purpose: Purpose
    algorithm: str
    created_at: datetime


def write_key_file(
    path: str | os.PathLike[str],
    key: SigningKey,
    *,
    authority: str,
    purpose: Purpose,
    passphrase: bytes,
    created_at: datetime,
    opslimit: int = DEFAULT_OPSLIMIT,
    memlimit: int = DEFAULT_MEMLIMIT,
) -> None:
    """Seal ``key`` into a new file at ``path`` (mode 0600; a missing directory is made 0700).

    Raises :class:`KeyFileError` on an empty passphrase, a naive ``created_at`` or a directory or file that
    cannot be made or written,
    :class:`UnsupportedKdfError` on KDF parameters outside our caps, :class:`InsecureKeyFileError` when the
    directory is open to group or others, and :class:`KeyFileExistsError` rather than overwrite a key.
    """
    seal_new_file(
        path,
        header=lambda kdf: KeyFileHeader(
            format=FORMAT,
            kid=key.kid,
            authority=authority,
            purpose=purpose,
            algorithm="Ed25519",
            public_key=b64url_encode(key.public_key),
            created_at=created_at,
            kdf=kdf,
        ),
        document=KeyFileDocument,
        secret=key.export_seed(),
        passphrase=passphrase,
        created_at=created_at,
        opslimit=opslimit,
        memlimit=memlimit,
    )
    log.info("sealed key file written: kid=%s authority=%s path=%s", key.kid, authority, path)


def read_key_file_header(path: str | os.PathLike[str]) -> KeyFileHeader:
    """The clear metadata of a key file, without the passphrase (for listing keys).

    Raises :class:`InsecureKeyFileError`, :class:`CorruptKeyFileError` or :class:`UnsupportedKdfError`.
    """
    return decode_document(read_private_file(Path(path)), os.fspath(path)).header


def read_key_file(path: str | os.PathLike[str], passphrase: bytes) -> KeyFile:
    """Open a key file with ``passphrase``; raises one of the errors listed in the module docstring."""
    document = decode_document(read_private_file(Path(path)), os.fspath(path))
    header = document.header
    seed = open_document(document, passphrase, secret_bytes=SEED_BYTES, where=os.fspath(path))
    key = SigningKey.from_seed(seed)
    if key.kid != header.kid:
        raise TamperedKeyFileError(f"密钥标识不符 / key in {os.fspath(path)} does not match its kid")
    log.info("sealed key file opened: kid=%s path=%s", key.kid, path)
    return KeyFile(
        key=key,
        kid=key.kid,
        authority=header.authority,
        purpose=header.purpose,
        algorithm=header.algorithm,
        created_at=header.created_at,
    )
