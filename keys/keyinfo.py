"""One public key of the key set and its life cycle: active → retired, and separately compromised.

:class:`PublicKeyInfo` is what the province publishes about a key (``GET /v1/keys``). The life-cycle
functions are pure: they return a new value and raise :class:`KeyTransitionError` for an impossible step.

Day granularity. A statement carries only its issue *date*, so validity is decided per calendar day in
China Standard Time (UTC+8, the calendar of ``issued_on``): a key is valid on days from
``valid_from``'s day to ``valid_to``'s day inclusive, and a key compromised at instant T rejects every
statement dated on or after T's day (the whole day of T counts as compromised, since a statement of that
day may have been signed after T). With scope ``"all"`` it rejects every statement. Note that an attacker
holding a stolen key can back-date ``issued_on``: only scope ``"all"`` and the transparency log stop that.
"""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from typing import Annotated, Final, Literal

import msgspec

from keys.errors import KeySetError, KeyTransitionError
from keys.kid import b64url_decode, b64url_encode, is_kid, key_id

#: The calendar of statement dates (``issued_on``) and of key validity days.
PROVINCE_TZ: Final = timezone(timedelta(hours=8), "CST")

Purpose = Literal["statement", "log"]
CompromiseScope = Literal["after", "all"]
AwareDatetime = Annotated[datetime, msgspec.Meta(tz=True)]


class KeyStatus(StrEnum):
    """Where a key is in its life: it signs only while ``active``."""

    ACTIVE = "active"
    RETIRED = "retired"  # still verifies what it signed while valid, never signs again
    COMPROMISED = "compromised"  # see compromised_at / compromise_scope


class PublicKeyInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A public key with its owner, purpose, validity window and status.

    Construction (and JSON decoding) checks the invariants and raises :class:`KeySetError`: the kid must
    be the key id of ``public_key`` (base64url of 32 raw bytes), datetimes must carry a time zone, and
    the status must agree with ``valid_to`` / ``compromised_at`` / ``compromise_scope``.
    """

    kid: str
    authority: Annotated[str, msgspec.Meta(min_length=1, max_length=16)]
    purpose: Purpose
    algorithm: Literal["Ed25519"]
    public_key: str
    valid_from: AwareDatetime
    valid_to: AwareDatetime | None = None
    status: KeyStatus = KeyStatus.ACTIVE
    compromised_at: AwareDatetime | None = None
    compromise_scope: CompromiseScope | None = None

    @classmethod
    def new(cls, public_key: bytes, *, authority: str, purpose: Purpose, valid_from: datetime) -> PublicKeyInfo:
        """A new, active Ed25519 key from its 32 raw public-key bytes (its kid is their key id): what the key
        store publishes for a key it just sealed, and the decoy key set's one key."""
        return cls(
            kid=key_id(public_key),
            authority=authority,
            purpose=purpose,
            algorithm="Ed25519",
            public_key=b64url_encode(public_key),
            valid_from=valid_from,
        )

    def __post_init__(self) -> None:
        _check_key(self)
        _check_times(self)
        _check_status(self)

    @property
    def raw_public_key(self) -> bytes:
        """The 32 raw bytes of ``public_key`` (decoded once, then cached)."""
        return _decode_public_key(self.public_key)

    def valid_on(self, day: date) -> bool:
        """Whether ``day`` falls in the key's validity window (days in UTC+8, both ends inclusive)."""
        if day < province_day(self.valid_from):
            return False
        return self.valid_to is None or day <= province_day(self.valid_to)

    def compromised_for(self, day: date) -> bool:
        """Whether a statement dated ``day`` must be distrusted because the key is compromised."""
        if self.compromised_at is None:
            return False
        return self.compromise_scope == "all" or day >= province_day(self.compromised_at)


def province_day(moment: datetime) -> date:
    """The calendar day of ``moment`` in China Standard Time (UTC+8)."""
    return moment.astimezone(PROVINCE_TZ).date()


@functools.lru_cache(maxsize=4096)
def _decode_public_key(text: str) -> bytes:
    return b64url_decode(text)


def _check_key(info: PublicKeyInfo) -> None:
    try:
        raw = _decode_public_key(info.public_key)
    except ValueError:
        raise KeySetError(f"公钥编码错误 / public_key of {info.kid!r} is not unpadded base64url") from None
    if len(raw) != 32 or not is_kid(info.kid) or key_id(raw) != info.kid:
        raise KeySetError(f"密钥标识不符 / kid {info.kid!r} is not the key id of a 32-byte public_key")


def _check_times(info: PublicKeyInfo) -> None:
    for name in ("valid_from", "valid_to", "compromised_at"):
        moment = getattr(info, name)
        if moment is not None and moment.utcoffset() is None:
            raise KeySetError(f"时间缺少时区 / {name} of key {info.kid} needs a time zone")
    if info.valid_to is not None and info.valid_to < info.valid_from:
        raise KeySetError(f"有效期颠倒 / key {info.kid}: valid_to is before valid_from")


def _check_status(info: PublicKeyInfo) -> None:
    compromised = info.compromised_at is not None and info.compromise_scope is not None
    if (info.compromised_at is None) != (info.compromise_scope is None):
        raise KeySetError(f"泄露信息不全 / key {info.kid}: compromised_at and compromise_scope go together")
    expected = {
        KeyStatus.ACTIVE: info.valid_to is None and not compromised,
        KeyStatus.RETIRED: info.valid_to is not None and not compromised,
        KeyStatus.COMPROMISED: compromised,
    }[info.status]
    if not expected:
        raise KeySetError(f"状态与字段矛盾 / key {info.kid}: status {info.status.value} contradicts dates")


def _require_aware(at: datetime) -> None:
    if at.utcoffset() is None:
        raise KeyTransitionError("时间缺少时区 / a life-cycle time needs a time zone")


def retire(info: PublicKeyInfo, at: datetime) -> PublicKeyInfo:
    """The key retired at ``at``: it verifies statements dated up to ``at``'s day and never signs again.

    Raises :class:`KeyTransitionError` unless the key is active and ``at`` is not before ``valid_from``.
    """
    _require_aware(at)
    if info.status is not KeyStatus.ACTIVE:
        raise KeyTransitionError(f"只能停用有效密钥 / key {info.kid} is {info.status.value}, not active")
    if at < info.valid_from:
        raise KeyTransitionError(f"停用时间早于启用时间 / key {info.kid}: retire time before valid_from")
    return msgspec.structs.replace(info, status=KeyStatus.RETIRED, valid_to=at)


def compromise(info: PublicKeyInfo, at: datetime, scope: CompromiseScope) -> PublicKeyInfo:
    """The key marked compromised at ``at`` with ``scope`` ("after": from ``at``'s day on; "all": ever).

    A compromised key may be marked again only to tighten (an earlier time, or scope "all"). Raises
    :class:`KeyTransitionError` for a loosening or repeated mark, or a time before the key existed with
    scope "after" (use "all" then).
    """
    _require_aware(at)
    if scope not in ("after", "all"):
        raise KeyTransitionError(f"未知泄露范围 / compromise scope must be 'after' or 'all', got {scope!r}")
    if scope == "after" and at < info.valid_from:
        raise KeyTransitionError(f"泄露早于启用 / key {info.kid}: compromised before valid_from, use 'all'")
    old_at, old_scope = info.compromised_at, info.compromise_scope
    if old_at is not None:
        tighter = (scope == "all" and old_scope == "after") or (old_scope == scope and at < old_at)
        if not tighter:
            raise KeyTransitionError(f"密钥已标记泄露 / key {info.kid} is already compromised as broadly")
    status = KeyStatus.COMPROMISED
    return msgspec.structs.replace(info, status=status, compromised_at=at, compromise_scope=scope)
