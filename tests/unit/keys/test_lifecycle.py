"""Pure life-cycle steps: retire, compromise, add, update, rotate; impossible steps are typed errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from keys.errors import KeyTransitionError
from keys.keyset import KeySet, KeyStatus, add_key, compromise, retire, rotate, update_key
from tests.unit.keys.factory import KEY_A, KEY_B, KEY_LOG, T0, make_info

LATER = T0 + timedelta(days=100)


def test_retire_sets_status_and_valid_to_and_returns_a_new_value() -> None:
    active = make_info(KEY_A)
    retired = retire(active, LATER)
    assert (retired.status, retired.valid_to) == (KeyStatus.RETIRED, LATER)
    assert active.status is KeyStatus.ACTIVE  # the input is untouched


@pytest.mark.parametrize(
    ("info", "at"),
    [
        (retire(make_info(KEY_A), LATER), LATER),  # already retired
        (compromise(make_info(KEY_A), LATER, "after"), LATER),  # compromised keys are not retired
        (make_info(KEY_A), T0 - timedelta(seconds=1)),  # before it existed
        (make_info(KEY_A), datetime(2024, 6, 1)),
    ],
)
def test_impossible_retirements(info: object, at: datetime) -> None:
    with pytest.raises(KeyTransitionError):
        retire(info, at)  # type: ignore[arg-type]


def test_compromise_from_active_and_from_retired() -> None:
    from_active = compromise(make_info(KEY_A), LATER, "after")
    assert (from_active.status, from_active.compromised_at, from_active.compromise_scope) == (
        KeyStatus.COMPROMISED,
        LATER,
        "after",
    )
    from_retired = compromise(retire(make_info(KEY_A), LATER), LATER + timedelta(days=1), "all")
    assert from_retired.valid_to == LATER
    assert from_retired.compromise_scope == "all"


def test_compromise_may_only_tighten() -> None:
    marked = compromise(make_info(KEY_A), LATER, "after")
    assert compromise(marked, LATER - timedelta(days=1), "after").compromised_at == LATER - timedelta(days=1)
    assert compromise(marked, LATER, "all").compromise_scope == "all"
    for at, scope in ((LATER, "after"), (LATER + timedelta(days=1), "after")):
        with pytest.raises(KeyTransitionError):
            compromise(marked, at, scope)  # type: ignore[arg-type]
    with pytest.raises(KeyTransitionError):
        compromise(compromise(marked, LATER, "all"), LATER - timedelta(days=1), "after")


def test_compromise_refuses_bad_scope_naive_time_and_a_time_before_the_key() -> None:
    with pytest.raises(KeyTransitionError):
        compromise(make_info(KEY_A), LATER, "some")  # type: ignore[arg-type]
    with pytest.raises(KeyTransitionError):
        compromise(make_info(KEY_A), datetime(2024, 6, 1), "after")
    with pytest.raises(KeyTransitionError, match="'all'"):
        compromise(make_info(KEY_A), T0 - timedelta(days=1), "after")
    assert compromise(make_info(KEY_A), T0 - timedelta(days=1), "all").compromise_scope == "all"


def test_rotate_retires_the_old_key_and_activates_the_new_one_in_one_step() -> None:
    keyset = KeySet(keys=(make_info(KEY_A), make_info(KEY_LOG, purpose="log")))
    rotated = rotate(keyset, "430000", make_info(KEY_B, valid_from=LATER), LATER)
    old, new = rotated.get(KEY_A.kid), rotated.get(KEY_B.kid)
    assert old is not None
    assert new is not None
    assert (old.status, old.valid_to) == (KeyStatus.RETIRED, LATER)
    assert rotated.active("430000") == new
    assert rotated.active("430000", "log") == keyset.keys[1]  # the log key is another purpose
    assert keyset.active("430000") == keyset.keys[0]  # the input set is untouched


@pytest.mark.parametrize(
    ("authority", "new_info", "at"),
    [
        ("430100", make_info(KEY_B, valid_from=LATER), LATER),  # no active key of 430100
        ("430000", make_info(KEY_B, authority="430100", valid_from=LATER), LATER),  # other authority
        ("430000", retire(make_info(KEY_B), LATER), LATER),  # new key not active
        ("430000", make_info(KEY_B, valid_from=LATER + timedelta(days=1)), LATER),  # gap before new key
        ("430000", make_info(KEY_A, valid_from=LATER), LATER),  # same kid as the old key
        ("430000", make_info(KEY_B, valid_from=LATER), T0 - timedelta(days=1)),  # retire before old existed
    ],
)
def test_impossible_rotations(authority: str, new_info: object, at: datetime) -> None:
    keyset = KeySet(keys=(make_info(KEY_A),))
    with pytest.raises(KeyTransitionError):
        rotate(keyset, authority, new_info, at)  # type: ignore[arg-type]


def test_add_and_update_key() -> None:
    keyset = add_key(KeySet(), make_info(KEY_A))
    with pytest.raises(KeyTransitionError):
        add_key(keyset, make_info(KEY_A))
    with pytest.raises(KeyTransitionError):
        add_key(keyset, make_info(KEY_B))  # a second active statement key of 430000
    updated = update_key(keyset, retire(make_info(KEY_A), LATER))
    assert updated.keys[0].status is KeyStatus.RETIRED
    with pytest.raises(KeyTransitionError):
        update_key(keyset, make_info(KEY_B))
    with pytest.raises(KeyTransitionError):  # would make two active keys
        update_key(add_key(updated, make_info(KEY_B)), make_info(KEY_A))


def test_lifecycle_times_may_use_any_time_zone() -> None:
    at = LATER.astimezone(UTC)
    assert retire(make_info(KEY_A), at).valid_to == LATER
