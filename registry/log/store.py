"""Reading the log: its size, stored checkpoints, entries, and the log's public keys as note verifiers.

Everything here is public data (it is what the ``/v1/log`` routes serve); rows become msgspec Structs
before they leave this module.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from keys.keyset import KeySet, KeyStatus, PublicKeyInfo
from registry.errors import ConflictError, NotFoundError
from registry.events import LOG_HEAD_ID, decode_entry, from_micros
from registry.keyring import load_keyset
from registry.log.checkpoint import KeptCheckpoint
from registry.log.note import NoteVerifier
from registry.models import Checkpoint, Event, LogHead


class StoredCheckpoint(KeptCheckpoint, frozen=True, kw_only=True):
    """A checkpoint the log signed: its size, root and the signed note (C2SP format), and when."""

    created_at: datetime


class EntryView(msgspec.Struct, frozen=True, kw_only=True):
    """One leaf: its index, exact bytes and hash, and (when the bytes decode) the event they record."""

    index: int
    leaf: bytes
    leaf_hash: bytes
    kind: str | None = None
    subject: str | None = None
    at: datetime | None = None
    actor: str | None = None
    reason: str | None = None
    details: dict[str, Any] | None = None


async def log_size(session: AsyncSession) -> int:
    """The number of leaves (``log_head.size``)."""
    return int(await session.scalar(select(LogHead.size).where(LogHead.id == LOG_HEAD_ID)) or 0)


def _stored(row: Checkpoint) -> StoredCheckpoint:
    return StoredCheckpoint(size=row.size, root_hash=row.root_hash, note=row.note, created_at=row.created_at)


async def latest_checkpoint(session: AsyncSession) -> StoredCheckpoint | None:
    """The largest checkpoint the log has signed, or ``None`` before the first."""
    row = await session.scalar(select(Checkpoint).order_by(Checkpoint.size.desc()).limit(1))
    return _stored(row) if row is not None else None


async def stored_checkpoints(session: AsyncSession) -> list[StoredCheckpoint]:
    """Every stored checkpoint, smallest first."""
    return [_stored(row) for row in await session.scalars(select(Checkpoint).order_by(Checkpoint.size))]


def entry_view(index: int, data: bytes, digest: bytes) -> EntryView:
    """The view of one leaf; fields stay ``None`` when the bytes do not decode (a tampered leaf)."""
    try:
        entry = decode_entry(data)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return EntryView(index=index, leaf=data, leaf_hash=digest)
    return EntryView(
        index=index,
        leaf=data,
        leaf_hash=digest,
        kind=entry.kind,
        subject=entry.subject,
        at=from_micros(entry.at_us),
        actor=entry.actor,
        reason=entry.reason,
        details=entry.details,
    )


async def read_entries(session: AsyncSession, start: int, end: int) -> list[EntryView]:
    """Leaves ``[start, end)`` in order (the caller bounds the range)."""
    rows = await session.execute(
        select(Event.idx, Event.data, Event.leaf_hash).where(Event.idx >= start, Event.idx < end).order_by(Event.idx)
    )
    return [entry_view(idx, data, digest) for idx, data, digest in rows]


def active_log_key(keyset: KeySet) -> PublicKeyInfo:
    """The one active key of purpose ``log``; raises :class:`NotFoundError` / :class:`ConflictError`."""
    active = [info for info in keyset.keys if info.purpose == "log" and info.status is KeyStatus.ACTIVE]
    if not active:
        raise NotFoundError(
            "没有有效的日志签名密钥 / no active log key: run `certreg keys new --authority <province> --purpose log`"
        )
    if len(active) > 1:
        names = ", ".join(f"{info.kid} ({info.authority})" for info in active)
        raise ConflictError(f"有多个有效的日志密钥 / more than one active log key: {names}; retire all but one")
    return active[0]


def log_verifiers(keyset: KeySet, origin: str) -> list[NoteVerifier]:
    """Note verifiers of every log key ever registered (checkpoints signed before a rotation still verify)."""
    return [NoteVerifier.of(origin, info.raw_public_key) for info in keyset.keys if info.purpose == "log"]


async def active_log_verifier(session: AsyncSession, origin: str) -> NoteVerifier:
    """The verifier key a monitor pins: the active log key under the log's origin as key name."""
    return NoteVerifier.of(origin, active_log_key(await load_keyset(session)).raw_public_key)
