"""The private side of the keys: sealed key files in the key directory, and the signer for an authority.

Only the issuer loads private keys (verify never imports this module). A sealed file is opened once per
process and kept in memory, because Argon2id is slow on purpose; the public half and the key's life cycle
live in the registry (:mod:`registry.keyring`), so key creation writes the file and then registers the key
in the caller's transaction.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from keys.errors import KeyFileError, WrongPassphraseError
from keys.keyfile import read_key_file, write_key_file
from keys.keyset import KeySet, PublicKeyInfo, Purpose
from keys.sealing import KDF_LEVELS
from keys.signing import SigningKey
from registry.config import Settings
from registry.errors import ConflictError
from registry.keyring import load_keyset, register_key, retire_key

log = logging.getLogger("certreg.keys")


class KeyStore:
    """Sealed private keys in ``directory``, one file ``{kid}.key`` per key."""

    def __init__(self, directory: str | Path, passphrase: bytes, *, kdf: str = "moderate") -> None:
        if kdf not in KDF_LEVELS:
            raise KeyFileError(f"未知的密钥派生强度 / unknown key KDF level {kdf!r}")
        self.directory = Path(directory)
        self._passphrase = passphrase
        self._kdf = KDF_LEVELS[kdf]
        self._insecure = kdf == "insecure-test-only"
        self._opened: dict[str, SigningKey] = {}

    def __repr__(self) -> str:
        return f"KeyStore(directory={str(self.directory)!r})"

    def path_of(self, kid: str) -> Path:
        return self.directory / f"{kid}.key"

    def create(self, authority: str, purpose: Purpose, at: datetime | None = None) -> PublicKeyInfo:
        """Generate a key, seal it into the directory, and return its public description (still active).

        Refuses (:class:`WrongPassphraseError`) when the passphrase does not open the keys already there.
        """
        self._check_passphrase()
        if self._insecure:  # every process that seals a key this way says so, not only the CLI
            log.warning("key sealed with CERTREG_KEY_KDF=insecure-test-only: never use it for real keys")
        created = at or datetime.now(UTC)
        key = SigningKey.generate()
        opslimit, memlimit = self._kdf
        write_key_file(
            self.path_of(key.kid),
            key,
            authority=authority,
            purpose=purpose,
            passphrase=self._passphrase,
            created_at=created,
            opslimit=opslimit,
            memlimit=memlimit,
        )
        self._opened[key.kid] = key
        return PublicKeyInfo.new(key.public_key, authority=authority, purpose=purpose, valid_from=created)

    def check_passphrase(self) -> None:
        """Raise :class:`WrongPassphraseError` now when the passphrase does not open the keys already in the
        directory, so a command that will sign checks it before its first write (``certreg demo load``)."""
        self._check_passphrase()

    def _check_passphrase(self) -> None:
        """Open one existing key file before sealing a new one: a mistyped passphrase would otherwise seal
        the new key under a passphrase nobody knows, found out only when that key is first needed.

        Files that are unreadable for another reason (damaged, too open) are skipped; the first file that
        opens proves the passphrase, the first that says "wrong passphrase" stops us.
        """
        if self._opened:  # this passphrase already opened or sealed a key in this process
            return
        try:
            candidates = sorted(self.directory.glob("*.key"))
        except OSError as exc:
            raise KeyFileError(
                f"无法读取密钥目录 / cannot list key directory {self.directory}: {exc.strerror}"
            ) from None
        for path in candidates:
            try:
                opened = read_key_file(path, self._passphrase)
            except WrongPassphraseError:
                raise WrongPassphraseError(
                    f"口令打不开已有的密钥文件 {path}，拒绝用另一口令封存新密钥 / the passphrase does not open "
                    f"the existing key file {path}; refusing to seal a new key under a different passphrase"
                ) from None
            except KeyFileError:
                continue
            self._opened[opened.kid] = opened.key
            return

    def open(self, kid: str) -> SigningKey:
        """The signing key ``kid`` (opened once, then from memory); raises a :class:`KeyFileError`."""
        key = self._opened.get(kid)
        if key is None:
            key = read_key_file(self.path_of(kid), self._passphrase).key
            self._opened[kid] = key
        return key


def _require_key_dir(keyset: KeySet, store: KeyStore) -> None:
    """Refuse a key directory that does not exist once the registry has keys: sealing would make it (as it
    does for a registry's first key), so a mistyped CERTREG_KEY_DIR, or one not restored yet, received the new
    active key (and a rotation retired the old one) while the registry's other keys lay elsewhere; and the
    passphrase, checked against a key file already in the directory, was checked against none."""
    if keyset.keys and not store.directory.exists():
        example = keyset.keys[-1].kid
        raise KeyFileError(
            f"密钥目录不存在 / the key directory {store.directory} does not exist, but the registry already has "
            f"{len(keyset.keys)} keys (e.g. {example}): check CERTREG_KEY_DIR, or restore the directory from its "
            "backup"
        )


async def new_key(
    session: AsyncSession, store: KeyStore, *, authority: str, purpose: Purpose, actor: str
) -> PublicKeyInfo:
    """A new active key for ``authority``; refuses when one is already active (rotate it instead)."""
    keyset = await load_keyset(session)
    if keyset.active(authority, purpose) is not None:
        raise ConflictError(
            f"{authority} 已有有效的{purpose}密钥，请用 keys rotate / {authority} already has an active "
            f"{purpose} key; use `certreg keys rotate`"
        )
    _require_key_dir(keyset, store)
    info = store.create(authority, purpose)
    await register_key(session, info, actor=actor)
    return info


async def rotate_key(
    session: AsyncSession, store: KeyStore, *, authority: str, purpose: Purpose, actor: str, reason: str = ""
) -> tuple[PublicKeyInfo, PublicKeyInfo]:
    """In one transaction: retire the active key of ``authority`` and register a new one. Returns (old, new)."""
    keyset = await load_keyset(session)
    old = keyset.active(authority, purpose)
    if old is None:
        raise ConflictError(f"{authority} 没有可轮换的有效密钥 / {authority} has no active {purpose} key to rotate")
    _require_key_dir(keyset, store)
    info = store.create(authority, purpose)
    retired = await retire_key(session, old.kid, info.valid_from, actor=actor, reason=reason or "rotation")
    await register_key(session, info, actor=actor)
    return retired, info


def signer_for(keyset: KeySet, store: KeyStore, authority: str, purpose: Purpose = "statement") -> SigningKey:
    """The open signing key of the active key of ``authority``; raises :class:`ConflictError` if none."""
    info = keyset.active(authority, purpose)
    if info is None:
        raise ConflictError(
            f"{authority} 没有有效的签名密钥，请先 certreg keys new / no active {purpose} key for {authority}: "
            f"run `certreg keys new --authority {authority}`"
        )
    return store.open(info.kid)


def keystore_from_settings(settings: Settings, *, passphrase: bytes | None = None) -> KeyStore:
    """The key store the settings describe, sealed with ``passphrase`` (default: the settings' passphrase);
    raises :class:`SettingsError` without one."""
    return KeyStore(settings.keys.key_dir, passphrase or settings.keys.passphrase(), kdf=settings.keys.key_kdf)
