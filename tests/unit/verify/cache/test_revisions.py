"""Stamps of Redis values against what the worker has seen of the change feed (issue 10, item 1)."""

from __future__ import annotations

import pytest

from verify.cache.revisions import Revisions, StaleValueError, stamp_value, unstamp_value


def test_a_value_older_than_a_seen_event_about_its_number_is_stale() -> None:
    revisions = Revisions()
    revisions.start(10)
    assert revisions.stale("A", 9), "written before the worker started listening"
    assert not revisions.stale("A", 10)
    revisions.saw("A", 15)
    revisions.advance(15)
    assert revisions.stale("A", 14)
    assert not revisions.stale("A", 15)
    assert not revisions.stale("B", 12), "another number's event does not make B's value stale"


def test_forgetting_numbers_raises_the_floor_instead() -> None:
    revisions = Revisions(max_numbers=2)
    revisions.start(0)
    revisions.saw("A", 3)
    revisions.saw("B", 4)
    revisions.advance(6)
    revisions.saw("C", 7)  # one too many: forget, refuse everything older than what the feed has applied
    assert revisions.stale("A", 5)
    assert revisions.stale("Z", 6)
    assert not revisions.stale("Z", 7)


def test_stamps_round_trip_and_unstamped_values_are_refused() -> None:
    assert unstamp_value(stamp_value(42, b"\xc0")) == (42, b"\xc0")
    with pytest.raises(StaleValueError):
        unstamp_value(b"\xc0")
