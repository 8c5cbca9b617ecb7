"""Auditing the key tables against the log: the key set is rebuilt from the ``key.*`` events and the rows of
``public_key`` and ``key_status`` must give the same one.

The audit then verifies certificates and checkpoints against the key set *as the log records it*: a key
slipped into the table (or a compromise mark deleted from it) changes nothing the audit trusts, and is
itself reported. A malformed row (a kid that is not its key's id, an impossible status history) is a
finding naming the kid, never a crash.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal, cast

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from keys.errors import KeysError
from keys.keyset import KeySet, KeyStatus, PublicKeyInfo, Purpose, compromise, retire
from keys.kid import b64url_encode
from registry.audit.findings import AuditReport, Finding
from registry.audit.screening import unless_unreadable
from registry.events import EventKind, decode_entry
from registry.models import Event, KeyStatusChange, PublicKey

KEY_KINDS: Final = (EventKind.KEY_CREATED.value, EventKind.KEY_RETIRED.value, EventKind.KEY_COMPROMISED.value)
_FIELDS: Final = (
    "authority",
    "purpose",
    "algorithm",
    "public_key",
    "valid_from",
    "valid_to",
    "status",
    "compromised_at",
    "compromise_scope",
)
_MALFORMED: Final = (KeysError, KeyError, TypeError, ValueError, msgspec.ValidationError)


@dataclass
class _Logged:
    """A key as its latest ``key.*`` event describes it (``info`` None when the details are not a key)."""

    leaf: int
    info: PublicKeyInfo | None
    problem: str = ""


def _moment(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def logged_info(kid: str, details: dict[str, Any]) -> PublicKeyInfo:
    """The key a ``key.*`` event's details describe (its state after the event); raises on malformed ones."""
    compromised_at, valid_to = _moment(details["compromised_at"]), _moment(details["valid_to"])
    status = KeyStatus.COMPROMISED if compromised_at else KeyStatus.RETIRED if valid_to else KeyStatus.ACTIVE
    return PublicKeyInfo(
        kid=kid,
        authority=details["authority"],
        purpose=details["purpose"],
        algorithm="Ed25519",
        public_key=b64url_encode(details["public_key"]),
        valid_from=datetime.fromisoformat(details["valid_from"]),
        valid_to=valid_to,
        status=status,
        compromised_at=compromised_at,
        compromise_scope=details["compromise_scope"],
    )


async def logged_keys(session: AsyncSession) -> dict[str, _Logged]:
    """Every key the log records, by kid, as its latest event leaves it."""
    rows = await session.execute(select(Event.idx, Event.data).where(Event.kind.in_(KEY_KINDS)).order_by(Event.idx))
    keys: dict[str, _Logged] = {}
    for idx, data in rows:
        try:
            entry = decode_entry(data)
        except (msgspec.DecodeError, msgspec.ValidationError):
            continue  # reported as a changed event by the log audit
        if entry.kind not in KEY_KINDS or not entry.subject.startswith("key:"):
            continue
        kid = entry.subject.removeprefix("key:")
        try:
            keys[kid] = _Logged(idx, logged_info(kid, entry.details))
        except _MALFORMED as exc:
            keys[kid] = _Logged(idx, None, str(exc))
    return keys


async def table_keys(session: AsyncSession) -> dict[str, PublicKeyInfo | str]:
    """Every key of the tables, by kid, with its status history folded; a row that is not a valid key or
    history gives the reason as a string instead."""
    rows = (await session.execute(select(PublicKey).order_by(PublicKey.kid))).scalars().all()
    changes = (await session.execute(select(KeyStatusChange).order_by(KeyStatusChange.id))).scalars().all()
    keys: dict[str, PublicKeyInfo | str] = {}
    for row in rows:
        try:
            keys[row.kid] = PublicKeyInfo(
                kid=row.kid,
                authority=row.authority_code,
                purpose=cast(Purpose, row.purpose),  # as stored: any other value differs from the logged one
                algorithm=cast(Literal["Ed25519"], row.algorithm),
                public_key=b64url_encode(row.public_key),
                valid_from=row.valid_from,
            )
        except _MALFORMED as exc:
            keys[row.kid] = str(exc)
    for change in changes:
        info = keys.get(change.kid)
        if not isinstance(info, PublicKeyInfo):
            continue
        try:
            if change.status == KeyStatus.RETIRED.value:
                keys[change.kid] = retire(info, change.at)
            else:
                keys[change.kid] = compromise(info, change.at, "all" if change.scope == "all" else "after")
        except _MALFORMED as exc:
            keys[change.kid] = f"status history: {exc}"
    return keys


def _differences(stored: PublicKeyInfo, logged: PublicKeyInfo) -> list[str]:
    return [name for name in _FIELDS if getattr(stored, name) != getattr(logged, name)]


def compare_keys(report: AuditReport, stored: dict[str, PublicKeyInfo | str], logged: dict[str, _Logged]) -> None:
    """Report every kid whose rows and events disagree."""
    for kid in sorted(stored.keys() | logged.keys()):
        where, row, event = f"key {kid}", stored.get(kid), logged.get(kid)
        if event is None:
            report.add(
                Finding.KEY_UNLOGGED,
                where,
                f"密钥 {kid} 在密钥表中，但日志中没有它的 key.created 事件 / {where} is in the key table but no "
                "key.created event logs it",
            )
        elif row is None:
            report.add(
                Finding.KEY_DELETED,
                where,
                f"密钥 {kid} 已记入日志（第 {event.leaf} 条），但表中已无此密钥 / {where} is logged (leaf "
                f"{event.leaf}) but its row is gone",
            )
        elif event.info is None:
            report.add(
                Finding.KEY_CHANGED,
                where,
                f"第 {event.leaf} 条记载的密钥 {kid} 无效 / leaf {event.leaf} does not describe a valid key "
                f"{kid}: {event.problem}",
            )
        if isinstance(row, str):
            report.add(Finding.KEY_CHANGED, where, f"密钥表中的 {kid} 无效 / {where} in the key table: {row}")
        elif (
            row is not None
            and event is not None
            and event.info is not None
            and (changed := _differences(row, event.info))
        ):
            report.add(
                Finding.KEY_CHANGED,
                where,
                f"密钥 {kid} 与日志（第 {event.leaf} 条）不符：{', '.join(changed)} / {where} differs from its "
                f"logged state (leaf {event.leaf}): {', '.join(changed)}",
            )


def logged_keyset(report: AuditReport, logged: dict[str, _Logged]) -> KeySet:
    """The key set the log records (a key that would break the set's invariants is reported and left out)."""
    keys: list[PublicKeyInfo] = []
    for kid, event in sorted(logged.items(), key=lambda item: item[1].leaf):
        if event.info is None:
            continue
        try:
            KeySet(keys=(*keys, event.info))
        except KeysError as exc:
            report.add(Finding.KEY_CHANGED, f"key {kid}", f"日志记载的密钥集无效 / the logged key set: {exc}")
            continue
        keys.append(event.info)
    return KeySet(keys=tuple(keys))


async def audit_keys(session: AsyncSession, report: AuditReport) -> KeySet:
    """Compare the key tables with the ``key.*`` events; return the key set the log records."""
    logged = await logged_keys(session)
    tables = (PublicKey, KeyStatusChange)
    stored = await unless_unreadable(session, report, "key table", lambda: table_keys(session), tables)
    if stored is not None:  # else reported; the key set the audit trusts is the log's either way
        compare_keys(report, stored, logged)
    return logged_keyset(report, logged)
