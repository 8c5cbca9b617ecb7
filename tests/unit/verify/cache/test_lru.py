"""The in-process answer cache: bounds, LRU order, per-number invalidation, refused racing fills."""

from __future__ import annotations

import sys

from verify.cache.lru import ENTRY_OVERHEAD, Entry, ResponseCache
from verify.http.responses import RawResponse


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def entry(number: str, body: bytes = b"x" * 100, *, expires: float = 1e9) -> Entry[RawResponse]:
    return Entry(RawResponse(200, body, []), number=number, expires=expires)


def cache(**bounds: int) -> ResponseCache[RawResponse]:
    return ResponseCache(
        max_entries=bounds.get("entries", 100), max_bytes=bounds.get("bytes", 1_000_000), clock=Clock()
    )


def test_least_recently_used_goes_first_when_entries_overflow() -> None:
    lru = cache(entries=2)
    lru.put("a", entry("A"), started=0)
    lru.put("b", entry("B"), started=0)
    assert lru.get("a") is not None  # "a" is now the most recent
    lru.put("c", entry("C"), started=0)
    assert lru.get("b") is None
    assert lru.get("a") is not None
    assert lru.get("c") is not None
    assert len(lru) == 2


def test_the_byte_bound_holds() -> None:
    one = entry("A", b"x" * 1000)
    lru = cache(bytes=one.size * 3 + 10)
    for i in range(10):
        lru.put(i, entry(f"N{i}", b"x" * 1000), started=0)
    assert len(lru) == 3
    assert lru.bytes <= lru.max_bytes
    assert one.size > 1000 + ENTRY_OVERHEAD
    assert not lru.put("huge", entry("H", b"x" * lru.max_bytes), started=0), "larger than the whole cache"


def test_invalidating_a_number_drops_every_variant() -> None:
    lru = cache()
    for key in (("N1", "json"), ("N1", "zh"), ("token", "T", "en")):
        lru.put(key, entry("N1"), started=0)
    lru.put(("N2", "json"), entry("N2"), started=0)
    kept = entry("N2")
    assert lru.invalidate(["N1"]) == 3
    assert len(lru) == 1
    key = ("N2", "json")
    charged = sys.getsizeof(key) + sys.getsizeof("N2") + sys.getsizeof("json")
    assert lru.bytes == kept.size + charged, "the key's tuple and strings are charged too"


def test_the_number_index_follows_evictions_and_second_variants() -> None:
    lru = cache(entries=2)
    lru.put(("N1", "json"), entry("N1"), started=0)
    lru.put(("N1", "zh"), entry("N1"), started=0)  # a second variant: the index holds both keys
    lru.put(("N2", "json"), entry("N2"), started=0)  # evicts ("N1", "json")
    assert lru.invalidate(["N1"]) == 1
    lru.put(("N3", "json"), entry("N3"), started=0)
    lru.put(("N4", "json"), entry("N4"), started=0)  # evicts N2's only entry and its index slot
    assert lru.invalidate(["N2"]) == 0
    assert lru.invalidate(["N3", "N4"]) == 2
    assert len(lru) == 0
    assert lru.bytes == 0


def test_an_entry_is_charged_its_body_object_not_only_its_length() -> None:
    body = b"x" * 1000
    assert entry("A", body).size >= sys.getsizeof(body) + ENTRY_OVERHEAD


def test_a_fill_that_started_before_an_invalidation_is_refused() -> None:
    lru = cache()
    started = lru.generation
    lru.invalidate(["N1"])  # the revocation arrives while the fill reads the database
    assert not lru.put("k", entry("N1"), started=started)
    assert lru.put("other", entry("N2"), started=started), "other numbers are unaffected"
    assert lru.put("k", entry("N1"), started=lru.generation), "a fill that began afterwards is fine"


def test_clear_and_switching_off_refuse_fills_under_way() -> None:
    lru = cache()
    started = lru.generation
    lru.clear()
    assert not lru.put("k", entry("N1"), started=started)
    lru.set_active(False)
    assert not lru.put("k", entry("N1"), started=lru.generation)
    assert lru.get("k") is None
    lru.set_active(True)
    assert lru.put("k", entry("N1"), started=lru.generation)
    assert lru.get("k") is not None


def test_switching_off_empties_it() -> None:
    lru = cache()
    lru.put("k", entry("N1"), started=0)
    lru.set_active(False)
    lru.set_active(True)
    assert lru.get("k") is None
    assert lru.bytes == 0


def test_expired_entries_are_not_served() -> None:
    lru = cache()
    clock = lru.clock
    assert isinstance(clock, Clock)
    lru.put("k", entry("N1", expires=clock.now + 5), started=0)
    assert lru.get("k") is not None
    clock.now += 6
    assert lru.get("k") is None
    assert len(lru) == 0
