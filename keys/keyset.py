"""The public key set: every key ever used, its JSON form, and verification against it.

``GET /v1/keys`` serves :meth:`KeySet.to_json`; an offline verifier loads it with :meth:`KeySet.from_json`.
Because the set keeps retired and compromised keys with their windows, a certificate signed by a retired
key still verifies and one dated on or after its key's compromise does not (see :mod:`keys.keyinfo` for
the day granularity). Unknown JSON fields are ignored so that later versions may add some.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from functools import cached_property

import msgspec

from keys.errors import (
    KeyCompromisedError,
    KeyNotValidAtDateError,
    KeySetError,
    KeyTransitionError,
    MalformedInputError,
    UnknownKeyError,
    WrongAuthorityError,
    WrongKeyPurposeError,
)
from keys.keyinfo import (
    CompromiseScope,
    KeyStatus,
    PublicKeyInfo,
    Purpose,
    compromise,
    retire,
)
from keys.kid import is_kid
from keys.signing import SIGNATURE_BYTES, verify_signature

__all__ = [
    "CompromiseScope",
    "KeySet",
    "KeyStatus",
    "PublicKeyInfo",
    "Purpose",
    "add_key",
    "compromise",
    "retire",
    "rotate",
    "update_key",
]


class KeySet(msgspec.Struct, frozen=True, kw_only=True, dict=True):
    """The province's public keys. Raises :class:`KeySetError` on a duplicate kid or two active keys of
    one authority and purpose (at most one key may sign for an authority at a time).

    ``dict=True`` only gives room for the cached kid index (not a field: never encoded, never compared).
    """

    keys: tuple[PublicKeyInfo, ...] = ()

    def __post_init__(self) -> None:
        _check_invariants(self.keys)

    @cached_property
    def _by_kid(self) -> Mapping[str, PublicKeyInfo]:
        # every verification looks a kid up; a scan of a set of dozens of keys cost about a microsecond
        return {info.kid: info for info in self.keys}

    def get(self, kid: str) -> PublicKeyInfo | None:
        """The key with this kid, or ``None``."""
        return self._by_kid.get(kid)

    def active(self, authority: str, purpose: Purpose = "statement") -> PublicKeyInfo | None:
        """The key that signs for ``authority`` and ``purpose`` now, or ``None``."""
        for info in self.keys:
            if info.authority == authority and info.purpose == purpose and info.status is KeyStatus.ACTIVE:
                return info
        return None

    def to_json(self) -> bytes:
        """The JSON document of the set (deterministic: same set, same bytes)."""
        return msgspec.json.encode(self)

    @classmethod
    def from_json(cls, data: bytes | str) -> KeySet:
        """Parse a key set document; raises :class:`KeySetError` naming what is wrong."""
        try:
            return msgspec.json.decode(data, type=cls)
        except msgspec.ValidationError as exc:  # first: a subclass of DecodeError (valid JSON, wrong shape)
            raise KeySetError(f"密钥集格式错误 / the key set breaks the format: {exc}") from None
        except (msgspec.DecodeError, UnicodeDecodeError) as exc:
            raise KeySetError(f"密钥集不是有效的 JSON / the key set is not valid JSON: {exc}") from None

    def verify(
        self,
        *,
        kid: str,
        message: bytes,
        signature: bytes,
        signed_on: date,
        authority: str,
        purpose: Purpose = "statement",
    ) -> None:
        """Check ``signature`` of ``message`` by key ``kid`` of ``authority`` for a statement dated
        ``signed_on`` (``authority`` is the one the signed message names as its issuer).

        Checks, in this order, raising a distinct :class:`SignatureVerificationError` subclass for each:
        malformed input (:class:`MalformedInputError`), unknown kid (:class:`UnknownKeyError`), a key of
        another purpose (:class:`WrongKeyPurposeError`), a key of another authority
        (:class:`WrongAuthorityError`, docs/rules.md "Keys and authorities"), a key not valid on ``signed_on``
        (:class:`KeyNotValidAtDateError`), a compromised key (:class:`KeyCompromisedError`), and finally
        the signature itself (:class:`BadSignatureError`). The kid is only a hint for the look-up.
        """
        if not (
            is_kid(kid)
            and isinstance(message, bytes)
            and isinstance(signature, bytes)
            and len(signature) == SIGNATURE_BYTES
            and isinstance(signed_on, date)
            and not isinstance(signed_on, datetime)
        ):
            raise MalformedInputError("查验输入格式错误 / kid, message, signature or date is malformed")
        info = self.get(kid)
        if info is None:
            raise UnknownKeyError(f"未知密钥 / no key {kid} in the key set")
        if info.purpose != purpose:
            raise WrongKeyPurposeError(f"密钥用途不符 / key {kid} is a {info.purpose} key, not {purpose}")
        if info.authority != authority:
            raise WrongAuthorityError(
                f"密钥不属于声明的发证机构 / key {kid} belongs to authority {info.authority}, not {authority}"
            )
        if not info.valid_on(signed_on):
            raise KeyNotValidAtDateError(f"密钥不在有效期内 / key {kid} is not valid on {signed_on}")
        if info.compromised_for(signed_on):
            raise KeyCompromisedError(f"密钥已泄露 / key {kid} is compromised for statements of {signed_on}")
        verify_signature(public_key=info.raw_public_key, message=message, signature=signature)


def _check_invariants(keys: Iterable[PublicKeyInfo]) -> None:
    kids: set[str] = set()
    signers: set[tuple[str, str]] = set()
    for info in keys:
        if info.kid in kids:
            raise KeySetError(f"密钥标识重复 / duplicate kid {info.kid} in the key set")
        kids.add(info.kid)
        if info.status is KeyStatus.ACTIVE:
            signer = (info.authority, info.purpose)
            if signer in signers:
                raise KeySetError(
                    f"同一机构同一用途有两把有效密钥 / two active {info.purpose} keys for {info.authority}"
                )
            signers.add(signer)


def add_key(keyset: KeySet, info: PublicKeyInfo) -> KeySet:
    """The set with ``info`` added; raises :class:`KeyTransitionError` on a duplicate kid or a second
    active key for the same authority and purpose (use :func:`rotate` for that)."""
    try:
        return KeySet(keys=(*keyset.keys, info))
    except KeySetError as exc:
        raise KeyTransitionError(str(exc)) from None


def update_key(keyset: KeySet, info: PublicKeyInfo) -> KeySet:
    """The set with the key of the same kid replaced by ``info`` (after :func:`retire` or
    :func:`compromise`); raises :class:`KeyTransitionError` if the kid is absent or the result is invalid."""
    if keyset.get(info.kid) is None:
        raise KeyTransitionError(f"未知密钥 / no key {info.kid} to update")
    try:
        return KeySet(keys=tuple(info if k.kid == info.kid else k for k in keyset.keys))
    except KeySetError as exc:
        raise KeyTransitionError(str(exc)) from None


def rotate(keyset: KeySet, authority: str, new_info: PublicKeyInfo, at: datetime) -> KeySet:
    """One step: ``new_info`` becomes the active key of ``authority`` and the old active key of that
    authority and purpose is retired at ``at``.

    Raises :class:`KeyTransitionError` when ``new_info`` is not an active key of ``authority`` valid from
    ``at`` or earlier, when there is no active key to rotate (use :func:`add_key`), or on a kid clash.
    """
    if new_info.authority != authority or new_info.status is not KeyStatus.ACTIVE:
        raise KeyTransitionError(f"新密钥须为该机构有效密钥 / new key must be an active {authority} key")
    if new_info.valid_from > at:
        raise KeyTransitionError("新密钥启用时间晚于轮换时间 / new key must be valid from the rotation time")
    old = keyset.active(authority, new_info.purpose)
    if old is None:
        raise KeyTransitionError(f"{authority} 没有可轮换的有效密钥 / no active key to rotate; add one")
    return add_key(update_key(keyset, retire(old, at)), new_info)
