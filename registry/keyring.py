"""The public key set in the registry: public keys, their dated status changes, and their log events.

Only public material: sealed private keys stay in the key directory (``issuer.keystore``). A status change
(retired, compromised) is a new :class:`KeyStatusChange` row and an event, checked first by the pure
life-cycle functions of :mod:`keys.keyset`, so the database can never hold an impossible transition.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from keys.keyset import CompromiseScope, KeySet, KeyStatus, PublicKeyInfo, Purpose, compromise, retire
from keys.kid import b64url_encode
from registry.errors import NotFoundError
from registry.events import EventKind, NewEvent, append_events
from registry.models import KeyStatusChange, PublicKey


async def load_keyset(session: AsyncSession) -> KeySet:
    """Every key ever registered, with its current status folded from its status history."""
    keys = (await session.scalars(select(PublicKey).order_by(PublicKey.valid_from, PublicKey.kid))).all()
    changes = (await session.scalars(select(KeyStatusChange).order_by(KeyStatusChange.id))).all()
    infos = {key.kid: _info_of(key) for key in keys}
    for change in changes:
        infos[change.kid] = _apply(infos[change.kid], change)
    return KeySet(keys=tuple(infos.values()))


def _info_of(row: PublicKey) -> PublicKeyInfo:
    purpose: Purpose = "log" if row.purpose == "log" else "statement"
    return PublicKeyInfo(
        kid=row.kid,
        authority=row.authority_code,
        purpose=purpose,
        algorithm="Ed25519",
        public_key=b64url_encode(row.public_key),
        valid_from=row.valid_from,
    )


def _apply(info: PublicKeyInfo, change: KeyStatusChange) -> PublicKeyInfo:
    if change.status == KeyStatus.RETIRED:
        return retire(info, change.at)
    scope: CompromiseScope = "all" if change.scope == "all" else "after"
    return compromise(info, change.at, scope)


async def register_key(session: AsyncSession, info: PublicKeyInfo, *, actor: str) -> None:
    """Add a new active key and its ``key.created`` event (one active key per authority and purpose)."""
    current = await load_keyset(session)
    KeySet(keys=(*current.keys, info))  # raises KeySetError on a clash before anything is written
    session.add(
        PublicKey(
            kid=info.kid,
            authority_code=info.authority,
            purpose=info.purpose,
            algorithm=info.algorithm,
            public_key=info.raw_public_key,
            valid_from=info.valid_from,
        )
    )
    await session.flush()
    await append_events(session, [_event(EventKind.KEY_CREATED, info, actor, "")])


async def retire_key(session: AsyncSession, kid: str, at: datetime, *, actor: str, reason: str = "") -> PublicKeyInfo:
    """Retire an active key at ``at``; raises :class:`KeyTransitionError` if it is not active."""
    info = retire(await _current(session, kid), at)
    session.add(KeyStatusChange(kid=kid, status=KeyStatus.RETIRED.value, at=at, scope=None, reason=reason))
    await append_events(session, [_event(EventKind.KEY_RETIRED, info, actor, reason)])
    return info


async def mark_compromised(
    session: AsyncSession, kid: str, at: datetime, scope: CompromiseScope, *, actor: str, reason: str
) -> PublicKeyInfo:
    """Record that ``kid`` was compromised at ``at`` (scope ``after`` or ``all``)."""
    info = compromise(await _current(session, kid), at, scope)
    session.add(KeyStatusChange(kid=kid, status=KeyStatus.COMPROMISED.value, at=at, scope=scope, reason=reason))
    await append_events(session, [_event(EventKind.KEY_COMPROMISED, info, actor, reason)])
    return info


async def _current(session: AsyncSession, kid: str) -> PublicKeyInfo:
    info = (await load_keyset(session)).get(kid)
    if info is None:
        raise NotFoundError(f"密钥 {kid} 不存在 / no key {kid}")
    return info


def _event(kind: EventKind, info: PublicKeyInfo, actor: str, reason: str) -> NewEvent:
    details: dict[str, str | int | bytes | bool | None] = {
        "authority": info.authority,
        "purpose": info.purpose,
        "public_key": info.raw_public_key,
        "valid_from": info.valid_from.isoformat(),
        "valid_to": info.valid_to.isoformat() if info.valid_to else None,
        "compromised_at": info.compromised_at.isoformat() if info.compromised_at else None,
        "compromise_scope": info.compromise_scope,
    }
    return NewEvent(kind=kind, subject=f"key:{info.kid}", actor=actor, reason=reason, details=details)
