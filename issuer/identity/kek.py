"""The key-encryption key of this deployment: ``{CERTREG_KEY_DIR}/identity.kek``, sealed with the key passphrase.

Opened once per process (Argon2id is slow on purpose) and kept in memory, like the signing keys, with the
file's identity (inode, size, change time): ``certreg identity rotate-kek`` replaces the file from a process
of its own, and a running app that kept the old KEK answered every identity read and upload with a 503 until
it was restarted — and would have wrapped a new day's data key under a KEK no file holds any more. A changed
file is opened again (one ``stat`` a call). The first
upload of a registry that has never sealed anything makes the file; once data keys exist, a missing file is
an error (:class:`KekMissingError`), never a new KEK — a new one would seal new rows under a key that opens
none of the old ones, found out only at the next read.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from keys.errors import KeyFileExistsError
from keys.kek import KeyEncryptionKey, read_kek_file, write_kek_file
from keys.sealing import KDF_LEVELS
from registry.config import Settings
from registry.identity.errors import KekMissingError
from registry.identity.sealing.store import count_data_keys

log = logging.getLogger("certreg.identity")
KEK_FILE_NAME: Final = "identity.kek"
#: The KEK opened from each file, with the identity of the file it came from (:func:`_identity`).
_opened: dict[Path, tuple[tuple[int, int, int], KeyEncryptionKey]] = {}
_lock = threading.Lock()


def kek_path(settings: Settings) -> Path:
    return Path(settings.keys.key_dir) / KEK_FILE_NAME


def open_kek(settings: Settings, passphrase: bytes | None = None) -> KeyEncryptionKey:
    """The KEK file of the settings, opened (from memory after the first time).

    Raises :class:`KekMissingError` without a file, and the key-file errors of :func:`read_kek_file`.
    """
    path = kek_path(settings).resolve()
    with _lock:
        identity = _identity(path)
        found = _opened.get(path)
        if found is not None and found[0] == identity:
            return found[1]
        if identity is None:
            raise KekMissingError(
                f"找不到密钥加密密钥文件 {path} / no key-encryption key file at {path}: set CERTREG_KEY_DIR to the "
                "directory that holds identity.kek"
            )
        kek = read_kek_file(path, passphrase or settings.keys.passphrase()).kek
        _opened[path] = (identity, kek)
        return kek


def _identity(path: Path) -> tuple[int, int, int] | None:
    """What tells one KEK file from its replacement at the same path (``None``: no file): the rotation's
    ``os.replace`` gives the path a new inode, and a file written over in place a new size or change time."""
    try:
        found = path.stat()
    except FileNotFoundError:
        return None
    return (found.st_ino, found.st_size, found.st_ctime_ns)


async def kek_for_sealing(session: AsyncSession, settings: Settings) -> KeyEncryptionKey:
    """The KEK to wrap new data keys with; made (and sealed into its file) when the registry has none yet."""
    try:
        return open_kek(settings)
    except KekMissingError:
        if await count_data_keys(session):
            raise
    return create_kek(settings)


def create_kek(settings: Settings, *, passphrase: bytes | None = None, path: Path | None = None) -> KeyEncryptionKey:
    """A new KEK sealed into ``path`` (default: the settings' file); if another process made the file first,
    that one is opened instead."""
    target = (path or kek_path(settings)).resolve()
    secret = passphrase or settings.keys.passphrase()
    opslimit, memlimit = KDF_LEVELS[settings.keys.key_kdf]
    kek = KeyEncryptionKey.generate()
    try:
        write_kek_file(
            target, kek, passphrase=secret, created_at=datetime.now(UTC), opslimit=opslimit, memlimit=memlimit
        )
    except KeyFileExistsError:
        kek = read_kek_file(target, secret).kek
    if settings.keys.key_kdf == "insecure-test-only":
        log.warning("KEK sealed with CERTREG_KEY_KDF=insecure-test-only: never use it for real identities")
    with _lock:
        identity = _identity(target)
        if identity is not None:
            _opened[target] = (identity, kek)
    return kek


def forget(settings: Settings) -> None:
    """Drop the in-memory KEK of the settings' file (after a rotation replaced it)."""
    forget_file(kek_path(settings))


def forget_file(path: Path) -> None:
    """Drop the in-memory KEK of the file at ``path``."""
    with _lock:
        _opened.pop(path.resolve(), None)
