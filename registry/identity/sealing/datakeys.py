"""Data keys: the keys that seal holders' document numbers (and photos), stored only wrapped by the KEK.

A data key is 32 random bytes with a random 16-byte id. At rest it exists only as a
:class:`WrappedDataKey` (one row of the data-key table): its id, the id of the key-encryption key that wraps
it, and ``nonce || ciphertext || tag`` of XChaCha20-Poly1305 under that KEK, with associated data binding the
wrapped bytes to the key's id, its creation day and the KEK's id — so a wrapped key copied onto another row,
or relabelled, does not open.

Rotating the KEK (:func:`rewrap_data_key`) unwraps each data key under the old KEK and wraps it under the new
one. No sealed row changes: a row names its data key, never the KEK. Once every data key is re-wrapped, the old
KEK file can be destroyed, and nothing opens under it any more.

Lifetime (:class:`DataKeyPolicy`): a new data key every province day, and after ``max_rows`` values sealed
under one key within a day. Why: XChaCha20's random 192-bit nonces put no practical bound on the values one key
may seal, so the limit is about exposure, not nonce reuse — a leaked data key opens one day's rows (at most
``max_rows``), while the key table stays small (a few hundred keys a year, all re-wrapped in a second at a KEK
rotation) and an export or an audit unwraps few keys. Per batch would tie keys to the issuer's workflow and
give the million-row legacy import one key; per row would make the key table as large as the data.

This module unwraps data keys: the verify package must never import it (import-linter).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import date
from typing import Annotated, Final

import msgspec

from keys.aead import KEY_BYTES, SecretKey
from keys.errors import DecryptionError
from keys.kek import KeyEncryptionKey
from keys.kid import b64url_decode, b64url_encode
from registry.identity.errors import TamperedCiphertextError, TamperedWrappedKeyError, WrongKekError

DATA_KEY_BYTES: Final = KEY_BYTES
DATA_KEY_ID_BYTES: Final = 16
_WRAP_DOMAIN: Final = b"certreg:data-key:v1"


class DataKey(SecretKey):
    """An unwrapped data key (a :class:`keys.aead.SecretKey` with an id). Build it with :meth:`generate` or
    :func:`unwrap_data_key`; it never shows its bytes and refuses pickling, like every secret key."""

    __slots__ = ("_id",)

    def __init__(self, *, _key: bytes, _id: bytes) -> None:
        """Private: use the named constructors."""
        super().__init__(_key=_key)
        self._id = _id

    @classmethod
    def generate(cls) -> DataKey:
        """A new data key and id from the operating system's random generator."""
        return cls(_key=os.urandom(DATA_KEY_BYTES), _id=os.urandom(DATA_KEY_ID_BYTES))

    @property
    def raw_id(self) -> bytes:
        """The 16-byte id (what a sealed value carries)."""
        return self._id

    @property
    def dk_id(self) -> str:
        """The id as text (base64url, 22 characters): the data-key table's key."""
        return b64url_encode(self._id)

    def open_value(self, sealed: bytes, *, aad: bytes) -> bytes:
        """:meth:`open`, with the typed error of the identity package (:class:`TamperedCiphertextError`)."""
        try:
            return self.open(sealed, aad=aad)
        except DecryptionError:
            raise TamperedCiphertextError(
                f"密文无法解开：已被改动，或不属于此记录 / sealed value under data key {self.dk_id} does not open: "
                f"altered, or sealed for another row, purpose or document type"
            ) from None

    def __repr__(self) -> str:
        return f"DataKey(dk_id={self.dk_id!r})"


class WrappedDataKey(msgspec.Struct, frozen=True, kw_only=True):
    """A data key at rest (one row of the data-key table)."""

    dk_id: Annotated[str, msgspec.Meta(pattern="^[A-Za-z0-9_-]{22}$")]
    kek_id: Annotated[str, msgspec.Meta(pattern="^[A-Za-z0-9_-]{11}$")]
    #: XChaCha20-Poly1305 ``nonce || ciphertext || tag`` of the 32-byte key under the KEK.
    wrapped: bytes
    #: The province day the key was made: the day it seals for (see :class:`DataKeyPolicy`).
    created_on: date


def _wrap_aad(dk_id: str, created_on: date, kek_id: str) -> bytes:
    return b"\x00".join((_WRAP_DOMAIN, b64url_decode(dk_id), created_on.isoformat().encode(), kek_id.encode()))


def wrap_data_key(key: DataKey, kek: KeyEncryptionKey, *, created_on: date) -> WrappedDataKey:
    """``key`` wrapped under ``kek``, as the data-key table stores it."""
    aad = _wrap_aad(key.dk_id, created_on, kek.kek_id)
    return WrappedDataKey(
        dk_id=key.dk_id, kek_id=kek.kek_id, wrapped=kek.seal(key.export_key(), aad=aad), created_on=created_on
    )


def unwrap_data_key(wrapped: WrappedDataKey, kek: KeyEncryptionKey) -> DataKey:
    """The data key of a stored row, unwrapped under ``kek``.

    Raises :class:`WrongKekError` when the row is wrapped under another KEK (a rotated-away one, or the
    wrong file), and :class:`TamperedWrappedKeyError` when it does not open under its own KEK (the wrapped
    bytes, id, day or KEK id of the row were changed).
    """
    if wrapped.kek_id != kek.kek_id:
        raise WrongKekError(
            f"数据密钥{wrapped.dk_id}由密钥加密密钥{wrapped.kek_id}包装，而非{kek.kek_id} / data key "
            f"{wrapped.dk_id} is wrapped under KEK {wrapped.kek_id}, not {kek.kek_id}"
        )
    try:
        raw = kek.open(wrapped.wrapped, aad=_wrap_aad(wrapped.dk_id, wrapped.created_on, wrapped.kek_id))
    except DecryptionError:
        raise TamperedWrappedKeyError(
            f"被包装的数据密钥{wrapped.dk_id}已被改动 / wrapped data key {wrapped.dk_id} was altered"
        ) from None
    if len(raw) != DATA_KEY_BYTES:  # sealed by us with this length: a different length means another sealer
        raise TamperedWrappedKeyError(f"数据密钥长度错误 / data key {wrapped.dk_id} has the wrong length")
    return DataKey(_key=raw, _id=b64url_decode(wrapped.dk_id))


def rewrap_data_key(wrapped: WrappedDataKey, *, old: KeyEncryptionKey, new: KeyEncryptionKey) -> WrappedDataKey:
    """The same data key (same id and day) wrapped under ``new`` instead of ``old``: a KEK rotation step.

    Raises what :func:`unwrap_data_key` raises for ``old``.
    """
    return wrap_data_key(unwrap_data_key(wrapped, old), new, created_on=wrapped.created_on)


def rewrap_all(
    wrapped: Iterable[WrappedDataKey], *, old: KeyEncryptionKey, new: KeyEncryptionKey
) -> list[WrappedDataKey]:
    """Every data key re-wrapped under ``new``; all or nothing (the first failure raises before any result)."""
    return [rewrap_data_key(row, old=old, new=new) for row in wrapped]


class DataKeyPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """When the issuer starts a new data key (the lifetime chosen in the module docstring)."""

    max_rows: Annotated[int, msgspec.Meta(ge=1)] = 100_000

    def needs_new_key(self, active: WrappedDataKey | None, *, sealed_under_active: int, today: date) -> bool:
        """Whether to make a new key before sealing: none yet, a key of another day, or this one is full."""
        return active is None or active.created_on != today or sealed_under_active >= self.max_rows
