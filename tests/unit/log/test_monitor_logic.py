"""The monitor's decisions: accept a log that only grows, raise on a fork, a rollback, a bad signature or a
changed key — and record nothing when it raises."""

from __future__ import annotations

import pytest

from keys.signing import SigningKey
from registry.log.checkpoint import Checkpoint, sign_checkpoint
from registry.log.monitor import Alarm, MonitorAlarmError, MonitorState, accept, check_key
from registry.log.note import NoteVerifier
from tests.unit.log.trees import consistency, leaves, mth

ORIGIN = "hrss.example/log"
KEY = SigningKey.from_seed(bytes(32))
HONEST = leaves(40)


def note(hashes: list[bytes], size: int, key: SigningKey = KEY) -> str:
    return sign_checkpoint(Checkpoint(origin=ORIGIN, size=size, root_hash=mth(hashes[:size])), key)


def state() -> MonitorState:
    return MonitorState(url="http://log", verifier_key=NoteVerifier.of(ORIGIN, KEY.public_key).encode())


def honest_proof(first: int, second: int) -> list[bytes]:
    return consistency(HONEST, first, second)


def no_proof_expected(first: int, second: int) -> list[bytes]:
    raise AssertionError("no proof should be asked for")


def test_first_checkpoint_then_growth_then_no_change() -> None:
    seen = state()
    first, last = accept(seen, note(HONEST, 10), no_proof_expected)
    assert (first.size, last) == (10, None)
    grown, previous = accept(seen, note(HONEST, 33), honest_proof)
    assert (grown.size, previous and previous.size) == (33, 10)
    accept(seen, note(HONEST, 33), no_proof_expected)
    assert [c.size for c in seen.checkpoints] == [10, 33]


def test_a_rewritten_log_is_a_fork() -> None:
    seen = state()
    accept(seen, note(HONEST, 20), no_proof_expected)
    forged = [*HONEST[:15], *leaves(40)[::-1][:25]]  # leaves 15… rewritten, then grown further

    with pytest.raises(MonitorAlarmError) as raised:
        accept(seen, note(forged, 30), lambda a, b: consistency(forged, a, b))
    assert raised.value.alarm is Alarm.FORK
    assert "size 30 is not consistent with the one of size 20" in str(raised.value)
    assert [c.size for c in seen.checkpoints] == [20]


def test_same_size_other_root_is_a_fork_and_smaller_is_a_rollback() -> None:
    seen = state()
    accept(seen, note(HONEST, 20), no_proof_expected)
    with pytest.raises(MonitorAlarmError) as fork:
        accept(seen, note(leaves(40)[::-1], 20), no_proof_expected)
    assert fork.value.alarm is Alarm.FORK
    with pytest.raises(MonitorAlarmError) as rollback:
        accept(seen, note(HONEST, 19), no_proof_expected)
    assert rollback.value.alarm is Alarm.ROLLED_BACK


def test_signature_by_another_key_and_changed_key() -> None:
    seen = state()
    with pytest.raises(MonitorAlarmError) as bad:
        accept(seen, note(HONEST, 5, SigningKey.from_seed(bytes([1]) * 32)), no_proof_expected)
    assert bad.value.alarm is Alarm.BAD_SIGNATURE
    assert seen.checkpoints == []
    check_key(seen, seen.verifier_key + "\n")
    with pytest.raises(MonitorAlarmError) as changed:
        check_key(seen, NoteVerifier.of(ORIGIN, SigningKey.from_seed(bytes([2]) * 32).public_key).encode())
    assert changed.value.alarm is Alarm.KEY_CHANGED
