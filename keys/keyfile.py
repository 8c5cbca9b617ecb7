"""Sealed private-key files: the only form a private key takes at rest.

A key file is JSON: a clear ``header`` (format, kid, authority, purpose, algorithm, public key, creation
time, and the Argon2id parameters with their salt), a ``check`` value and the ``sealed`` seed. Argon2id
(``nacl.pwhash.argon2id``) turns the passphrase into 64 bytes: the first 32 key a ``SecretBox`` that seals
``header JSON || seed``; the other 32 give ``check`` = BLAKE2b-128 of them. So opening tells apart

* a wrong passphrase (``check`` differs) — :class:`WrongPassphraseError`,
* a changed ciphertext (``check`` matches, the box does not open) — :class:`TamperedKeyFileError`,
* a changed header (the sealed copy differs from the clear one) — :class:`TamperedKeyFileError`,
* a truncated or malformed file — :class:`CorruptKeyFileError`,
* a file readable by group or others — :class:`InsecureKeyFileError` (we refuse to open it),
* KDF parameters we do not support or that exceed our caps — :class:`UnsupportedKdfError`.

``check`` lets an attacker test passphrases no faster than the sealed box already does. Files are written
atomically (temporary file, then a hard link that never overwrites) with mode 0600 in a 0700 directory.
This module is the private-key loader: the verify package must never import it (import-linter).
"""

from __future__ import annotations

import hmac
import logging
import os
import stat
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

import msgspec
import nacl.encoding
import nacl.exceptions
import nacl.hash
import nacl.pwhash
import nacl.secret
import nacl.utils

from keys.errors import (
    CorruptKeyFileError,
    InsecureKeyFileError,
    KeyFileError,
    KeyFileExistsError,
    TamperedKeyFileError,
    WrongPassphraseError,
)
from keys.keyfile_format import (
    FORMAT,
    KdfParams,
    KeyFileDocument,
    KeyFileHeader,
    check_kdf,
    decode_document,
    unb64,
)
from keys.keyinfo import Purpose
from keys.kid import b64url_encode
from keys.signing import SEED_BYTES, SigningKey

__all__ = ["KeyFile", "KeyFileHeader", "read_key_file", "read_key_file_header", "write_key_file"]

log = logging.getLogger("certreg.keys")
_argon2id = nacl.pwhash.argon2id
DEFAULT_OPSLIMIT: Final = _argon2id.OPSLIMIT_MODERATE
DEFAULT_MEMLIMIT: Final = _argon2id.MEMLIMIT_MODERATE
_MAX_FILE_BYTES: Final = 16 * 1024
_CHECK_PERSON: Final = b"certreg-kf-check"


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
    if not isinstance(passphrase, bytes) or not passphrase:
        raise KeyFileError("口令不能为空 / the passphrase must be non-empty bytes")
    if created_at.utcoffset() is None:
        raise KeyFileError("创建时间缺少时区 / created_at needs a time zone")
    salt = nacl.utils.random(_argon2id.SALTBYTES)
    kdf = KdfParams(name="argon2id", opslimit=opslimit, memlimit=memlimit, salt=b64url_encode(salt))
    check_kdf(kdf)
    header = KeyFileHeader(
        format=FORMAT,
        kid=key.kid,
        authority=authority,
        purpose=purpose,
        algorithm="Ed25519",
        public_key=b64url_encode(key.public_key),
        created_at=created_at,
        kdf=kdf,
    )
    box_key, check = _derive(passphrase, salt, kdf)
    sealed = nacl.secret.SecretBox(box_key).encrypt(msgspec.json.encode(header) + key.export_seed())
    document = KeyFileDocument(header=header, check=b64url_encode(check), sealed=b64url_encode(bytes(sealed)))
    try:
        _write_atomically(Path(path), msgspec.json.format(msgspec.json.encode(document)) + b"\n")
    except OSError as exc:  # a missing, read-only or full key directory: say which path, not "database"
        where = exc.filename or path
        raise KeyFileError(
            f"无法写入密钥文件 / cannot write key file {os.fspath(path)} ({where}: {exc.strerror})"
        ) from None
    log.info("sealed key file written: kid=%s authority=%s path=%s", key.kid, authority, path)


def read_key_file_header(path: str | os.PathLike[str]) -> KeyFileHeader:
    """The clear metadata of a key file, without the passphrase (for listing keys).

    Raises :class:`InsecureKeyFileError`, :class:`CorruptKeyFileError` or :class:`UnsupportedKdfError`.
    """
    return decode_document(_read_private_file(Path(path)), os.fspath(path)).header


def read_key_file(path: str | os.PathLike[str], passphrase: bytes) -> KeyFile:
    """Open a key file with ``passphrase``; raises one of the errors listed in the module docstring."""
    document = decode_document(_read_private_file(Path(path)), os.fspath(path))
    header = document.header
    box_key, check = _derive(passphrase, unb64(header.kdf.salt, "salt"), header.kdf)
    if not hmac.compare_digest(check, unb64(document.check, "check")):
        raise WrongPassphraseError(
            f"口令错误，或盐值/派生参数被改动 / wrong passphrase, or the salt/KDF parameters were altered "
            f"(key file {os.fspath(path)})"
        )
    try:
        plain = nacl.secret.SecretBox(box_key).decrypt(unb64(document.sealed, "sealed"))
    except nacl.exceptions.CryptoError:
        raise TamperedKeyFileError(f"密钥密文被改动 / sealed key in {os.fspath(path)} was altered") from None
    if len(plain) <= SEED_BYTES or plain[:-SEED_BYTES] != msgspec.json.encode(header):
        raise TamperedKeyFileError(f"密钥文件头被改动 / clear header of {os.fspath(path)} was altered")
    key = SigningKey.from_seed(plain[-SEED_BYTES:])
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


def _derive(passphrase: bytes, salt: bytes, kdf: KdfParams) -> tuple[bytes, bytes]:
    if not isinstance(passphrase, bytes) or not passphrase:
        raise WrongPassphraseError("口令不能为空 / the passphrase must be non-empty bytes")
    if len(salt) != _argon2id.SALTBYTES:
        raise CorruptKeyFileError("盐长度错误 / the KDF salt must be 16 bytes")
    derived = _argon2id.kdf(64, passphrase, salt, opslimit=kdf.opslimit, memlimit=kdf.memlimit)
    check = nacl.hash.blake2b(derived[32:], digest_size=16, person=_CHECK_PERSON, encoder=nacl.encoding.RawEncoder)
    return derived[:32], check


def _read_private_file(path: Path) -> bytes:
    """The bytes of a regular file that only its owner may read (checked on the open descriptor)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as exc:
        raise KeyFileError(f"无法打开密钥文件 / cannot open key file {path}: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise CorruptKeyFileError(f"不是普通文件 / key file {path} is not a regular file")
        if info.st_mode & 0o077:
            mode = oct(stat.S_IMODE(info.st_mode))
            raise InsecureKeyFileError(f"密钥文件权限过宽 / key file {path} has mode {mode}; chmod 600 it")
        try:
            data = handle.read(_MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise KeyFileError(f"无法读取密钥文件 / cannot read key file {path}: {exc.strerror}") from None
    if len(data) > _MAX_FILE_BYTES:
        raise CorruptKeyFileError(f"密钥文件过大 / key file {path} is larger than {_MAX_FILE_BYTES} bytes")
    return data


def _ensure_private_dir(directory: Path) -> None:
    if not directory.exists():
        directory.mkdir(mode=0o700, parents=True)
        directory.chmod(0o700)
    elif directory.stat().st_mode & 0o077:
        raise InsecureKeyFileError(f"密钥目录权限过宽 / key directory {directory} must be mode 0700")


def _write_atomically(path: Path, data: bytes) -> None:
    _ensure_private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{b64url_encode(nacl.utils.random(6))}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        _link_no_replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _link_no_replace(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except FileExistsError:
        raise KeyFileExistsError(f"密钥文件已存在 / refusing to overwrite key file {target}") from None
