"""Passphrase sealing: the one way the keys package keeps a secret on disk.

Two kinds of file use it: sealed signing keys (:mod:`keys.keyfile`) and the key-encryption key that wraps the
holders' data keys (:mod:`keys.kek`). Both are JSON with a clear ``header`` (carrying the Argon2id parameters
and salt), a ``check`` value and the ``sealed`` secret. Argon2id (``nacl.pwhash.argon2id``) turns the
passphrase into 64 bytes: the first 32 key a ``SecretBox`` (XSalsa20-Poly1305) that seals ``header JSON ||
secret``; the other 32 give ``check`` = BLAKE2b-128 of them. So opening tells apart

* a wrong passphrase (``check`` differs) — :class:`WrongPassphraseError`,
* a changed ciphertext (``check`` matches, the box does not open) — :class:`TamperedKeyFileError`,
* a changed header (the sealed copy differs from the clear one) — :class:`TamperedKeyFileError`.

``check`` lets an attacker test passphrases no faster than the sealed box already does. Files are written
atomically (temporary file, then a hard link that never overwrites) with mode 0600 in a 0700 directory, and
read only when no one but their owner can read them (:class:`InsecureKeyFileError`).
"""

from __future__ import annotations

import hmac
import os
import stat
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Final, Protocol, TypeVar

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
from keys.keyfile_format import KdfParams, check_kdf, unb64
from keys.kid import b64url_encode

__all__ = [
    "DEFAULT_MEMLIMIT",
    "DEFAULT_OPSLIMIT",
    "KDF_LEVELS",
    "SealedDocument",
    "new_kdf",
    "open_document",
    "open_secret",
    "read_private_file",
    "require_passphrase_and_zone",
    "seal_secret",
    "write_document",
    "write_private_file",
]

_argon2id = nacl.pwhash.argon2id
DEFAULT_OPSLIMIT: Final = _argon2id.OPSLIMIT_MODERATE
DEFAULT_MEMLIMIT: Final = _argon2id.MEMLIMIT_MODERATE
#: Argon2id strength of new sealed files, by the ``CERTREG_KEY_KDF`` setting (every level is within the caps
#: of :func:`keys.keyfile_format.check_kdf`, so whatever is written can be read back).
KDF_LEVELS: Final = {
    "sensitive": (_argon2id.OPSLIMIT_SENSITIVE, _argon2id.MEMLIMIT_SENSITIVE),
    "moderate": (_argon2id.OPSLIMIT_MODERATE, _argon2id.MEMLIMIT_MODERATE),
    "interactive": (_argon2id.OPSLIMIT_INTERACTIVE, _argon2id.MEMLIMIT_INTERACTIVE),
    # for the test suite only: seconds of Argon2id per key would dominate it
    "insecure-test-only": (_argon2id.OPSLIMIT_MIN, _argon2id.MEMLIMIT_MIN),
}
_MAX_FILE_BYTES: Final = 16 * 1024
_CHECK_PERSON: Final = b"certreg-kf-check"


class _Header(Protocol):
    @property
    def kdf(self) -> KdfParams: ...


class SealedDocument(Protocol):
    """What every sealed file holds: a header with the KDF parameters, the check value and the sealed part."""

    @property
    def header(self) -> _Header: ...

    @property
    def check(self) -> str: ...

    @property
    def sealed(self) -> str: ...


def require_passphrase_and_zone(passphrase: bytes, created_at: datetime) -> None:
    """Raise :class:`KeyFileError` for an empty passphrase or a naive creation time of a new sealed file."""
    if not isinstance(passphrase, bytes) or not passphrase:
        raise KeyFileError("口令不能为空 / the passphrase must be non-empty bytes")
    if created_at.utcoffset() is None:
        raise KeyFileError("创建时间缺少时区 / created_at needs a time zone")


def new_kdf(*, opslimit: int, memlimit: int) -> KdfParams:
    """Argon2id parameters with a fresh random salt; :class:`UnsupportedKdfError` outside our caps."""
    salt = nacl.utils.random(_argon2id.SALTBYTES)
    kdf = KdfParams(name="argon2id", opslimit=opslimit, memlimit=memlimit, salt=b64url_encode(salt))
    check_kdf(kdf)
    return kdf


def seal_secret(passphrase: bytes, kdf: KdfParams, *, header: bytes, secret: bytes) -> tuple[str, str]:
    """``(check, sealed)`` (base64url) of ``header || secret`` under ``passphrase``.

    Raises :class:`KeyFileError` on an empty passphrase.
    """
    if not isinstance(passphrase, bytes) or not passphrase:
        raise KeyFileError("口令不能为空 / the passphrase must be non-empty bytes")
    box_key, check = _derive(passphrase, unb64(kdf.salt, "salt"), kdf)
    sealed = nacl.secret.SecretBox(box_key).encrypt(header + secret)
    return b64url_encode(check), b64url_encode(bytes(sealed))


_Header_T = TypeVar("_Header_T")


def seal_new_file(
    path: str | os.PathLike[str],
    *,
    header: Callable[[KdfParams], _Header_T],
    document: Callable[..., object],
    secret: bytes,
    passphrase: bytes,
    created_at: datetime,
    opslimit: int,
    memlimit: int,
) -> _Header_T:
    """The one way a secret goes into a new sealed file (a signing key's seed, a KEK): fresh Argon2id
    parameters, ``header(kdf)`` sealed with ``secret`` (so its clear copy is checked on every open), and
    ``document(header=…, check=…, sealed=…)`` written 0600 without ever replacing a file. Returns the header.

    Raises :class:`KeyFileError` on an empty passphrase, a naive ``created_at`` or a file that cannot be
    written, :class:`UnsupportedKdfError` outside our caps, :class:`InsecureKeyFileError` for a directory
    open to others, and :class:`KeyFileExistsError` rather than overwrite.
    """
    require_passphrase_and_zone(passphrase, created_at)
    kdf = new_kdf(opslimit=opslimit, memlimit=memlimit)
    made = header(kdf)
    check, sealed = seal_secret(passphrase, kdf, header=msgspec.json.encode(made), secret=secret)
    write_document(Path(path), document(header=made, check=check, sealed=sealed))
    return made


def open_secret(
    passphrase: bytes, kdf: KdfParams, *, check: str, sealed: str, header: bytes, secret_bytes: int, where: str
) -> bytes:
    """The ``secret_bytes``-long secret sealed with ``header``; ``where`` names the file in the messages.

    Raises :class:`WrongPassphraseError`, :class:`TamperedKeyFileError` or :class:`CorruptKeyFileError`.
    """
    box_key, expected = _derive(passphrase, unb64(kdf.salt, "salt"), kdf)
    if not hmac.compare_digest(expected, unb64(check, "check")):
        raise WrongPassphraseError(
            f"口令错误，或盐值/派生参数被改动 / wrong passphrase, or the salt/KDF parameters were altered "
            f"(key file {where})"
        )
    try:
        plain = nacl.secret.SecretBox(box_key).decrypt(unb64(sealed, "sealed"))
    except nacl.exceptions.CryptoError:
        raise TamperedKeyFileError(f"密钥密文被改动 / sealed key in {where} was altered") from None
    if len(plain) != len(header) + secret_bytes or plain[: len(header)] != header:
        raise TamperedKeyFileError(f"密钥文件头被改动 / clear header of {where} was altered")
    return plain[len(header) :]


def open_document(document: SealedDocument, passphrase: bytes, *, secret_bytes: int, where: str) -> bytes:
    """The secret of a decoded sealed file (its header, re-encoded, is the sealed copy's reference)."""
    return open_secret(
        passphrase,
        document.header.kdf,
        check=document.check,
        sealed=document.sealed,
        header=msgspec.json.encode(document.header),
        secret_bytes=secret_bytes,
        where=where,
    )


def write_document(path: Path, document: object) -> None:
    """Write a sealed file's document as indented JSON, as :func:`write_private_file` writes."""
    write_private_file(path, msgspec.json.format(msgspec.json.encode(document)) + b"\n")


def _derive(passphrase: bytes, salt: bytes, kdf: KdfParams) -> tuple[bytes, bytes]:
    if not isinstance(passphrase, bytes) or not passphrase:
        raise WrongPassphraseError("口令不能为空 / the passphrase must be non-empty bytes")
    if len(salt) != _argon2id.SALTBYTES:
        raise CorruptKeyFileError("盐长度错误 / the KDF salt must be 16 bytes")
    derived = _argon2id.kdf(64, passphrase, salt, opslimit=kdf.opslimit, memlimit=kdf.memlimit)
    check = nacl.hash.blake2b(derived[32:], digest_size=16, person=_CHECK_PERSON, encoder=nacl.encoding.RawEncoder)
    return derived[:32], check


def read_private_file(path: Path) -> bytes:
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


def write_private_file(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file at ``path`` (0600, in a 0700 directory made when missing), atomically.

    Raises :class:`KeyFileExistsError` rather than overwrite, :class:`InsecureKeyFileError` for a directory
    open to others, and :class:`KeyFileError` naming the path when the file cannot be written.
    """
    try:
        _write_atomically(path, data)
    except OSError as exc:  # a missing, read-only or full key directory: say which path, not "database"
        where = exc.filename or path
        raise KeyFileError(
            f"无法写入密钥文件 / cannot write key file {os.fspath(path)} ({where}: {exc.strerror})"
        ) from None


def _ensure_private_dir(directory: Path) -> None:
    """A key directory that is a file is said to be one: its mode said "must be mode 0700", which a chmod of
    the file would never fix."""
    if not directory.exists():
        directory.mkdir(mode=0o700, parents=True)
        directory.chmod(0o700)
    elif not directory.is_dir():
        raise KeyFileError(f"密钥目录不是目录 / key directory {directory} is not a directory")
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
