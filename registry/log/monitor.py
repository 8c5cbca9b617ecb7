"""The decisions of a third-party monitor (pure): is a newly fetched checkpoint an honest extension of the
ones seen before?

The monitor pins the log's verifier key and keeps every checkpoint it accepted. A new checkpoint must be
signed by that key, must not be smaller than the last one seen, must have the same root at the same size,
and must be proven consistent with the last one; anything else raises :class:`MonitorAlarmError` — the log forked,
was rolled back or rewritten, or changed its key. A key change the operator has checked out of band (a
rotation of the log key) is accepted explicitly with :func:`accept_key`, never silently.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum

import msgspec

from registry.log.checkpoint import Checkpoint, KeptCheckpoint, open_checkpoint
from registry.log.errors import LogError, NoteError, ProofError
from registry.log.note import NoteVerifier
from registry.log.verification import verify_consistency


class Alarm(StrEnum):
    BAD_SIGNATURE = "bad_signature"
    KEY_CHANGED = "key_changed"
    ROLLED_BACK = "rolled_back"  # smaller than a checkpoint seen before
    FORK = "fork"  # same size, another root; or no valid consistency proof


class MonitorAlarmError(LogError):
    """The log misbehaved; ``alarm`` says how. The message names both checkpoints."""

    def __init__(self, alarm: Alarm, message: str) -> None:
        super().__init__(message)
        self.alarm = alarm


class SeenCheckpoint(KeptCheckpoint, frozen=True, kw_only=True):
    """A checkpoint the monitor accepted, and when."""

    seen_at: datetime


class KeyChange(msgspec.Struct, frozen=True, kw_only=True):
    """A change of the pinned key that the monitor's operator accepted (a legitimate log-key rotation)."""

    previous: str
    accepted: str
    at: datetime


class MonitorState(msgspec.Struct, kw_only=True):
    """What the monitor keeps between runs (a JSON file)."""

    url: str
    verifier_key: str
    checkpoints: list[SeenCheckpoint] = msgspec.field(default_factory=list)
    alarms: list[str] = msgspec.field(default_factory=list)
    key_changes: list[KeyChange] = msgspec.field(default_factory=list)

    @property
    def latest(self) -> SeenCheckpoint | None:
        return max(self.checkpoints, key=lambda seen: seen.size, default=None)


def check_key(state: MonitorState, announced: str) -> None:
    """Raise :class:`MonitorAlarmError` when the log now announces a verifier key other than the pinned one."""
    if announced.strip() != state.verifier_key:
        raise MonitorAlarmError(
            Alarm.KEY_CHANGED,
            f"日志密钥已变更 / the log's key changed: pinned {state.verifier_key}, now {announced.strip()}",
        )


def accept_key(state: MonitorState, new_key: str) -> bool:
    """Pin ``new_key`` instead of the pinned key, as the operator decided after the log announced a rotation;
    the change is recorded and the checkpoints and alarms seen so far are kept (the next checkpoint must
    still extend them). Returns False when ``new_key`` is the pinned key already. Raises
    :class:`NoteError` for a malformed key or one under another name (that would be another log)."""
    new_key = new_key.strip()
    if new_key == state.verifier_key:
        return False
    new, old = NoteVerifier.parse(new_key), NoteVerifier.parse(state.verifier_key)
    if new.name != old.name:
        raise NoteError(
            f"新密钥属于另一个日志 / the key {new_key} is named {new.name!r}, the pinned one {old.name!r}: "
            "that is another log, use another state file"
        )
    state.key_changes.append(KeyChange(previous=state.verifier_key, accepted=new_key, at=datetime.now(UTC)))
    state.verifier_key = new_key
    return True


ProofFetcher = Callable[[int, int], list[bytes]]


def accept(state: MonitorState, note: str, consistency_proof: ProofFetcher) -> tuple[Checkpoint, SeenCheckpoint | None]:
    """Check ``note`` against ``state``; on success record it and return it with the checkpoint it was
    proven to extend (``None`` for the first). ``consistency_proof(first, second)`` fetches a proof.

    Raises :class:`MonitorAlarmError` (and records nothing) when the log forked, rolled back or was rewritten.
    """
    try:
        new = open_checkpoint(note, NoteVerifier.parse(state.verifier_key))
    except NoteError as exc:
        raise MonitorAlarmError(
            Alarm.BAD_SIGNATURE, f"检查点签名无效 / the checkpoint does not verify: {exc}"
        ) from None
    last = state.latest
    if last is not None:
        _check_extends(last, new, consistency_proof)
    if last is None or new.size > last.size:
        state.checkpoints.append(
            SeenCheckpoint(size=new.size, root_hash=new.root_hash, note=note, seen_at=datetime.now(UTC))
        )
    return new, last


def _check_extends(last: SeenCheckpoint, new: Checkpoint, consistency_proof: ProofFetcher) -> None:
    if new.size < last.size:
        raise MonitorAlarmError(
            Alarm.ROLLED_BACK,
            f"日志变小了：曾见 {last.size} 条，现为 {new.size} 条 / the log shrank: a checkpoint of size "
            f"{last.size} was seen, it now signs size {new.size}",
        )
    if new.size == last.size:
        if new.root_hash != last.root_hash:
            raise MonitorAlarmError(
                Alarm.FORK, f"同一大小 {new.size} 出现两个不同的根：日志分叉 / two roots for size {new.size}: a fork"
            )
        return
    try:
        verify_consistency(last.size, new.size, consistency_proof(last.size, new.size), last.root_hash, new.root_hash)
    except ProofError as exc:
        raise MonitorAlarmError(
            Alarm.FORK,
            f"大小 {new.size} 的新检查点与曾见的大小 {last.size} 的检查点不一致，日志被改写或分叉 / the checkpoint "
            f"of size {new.size} is not consistent with the one of size {last.size} seen before: the log was "
            f"rewritten or forked ({exc})",
        ) from None
