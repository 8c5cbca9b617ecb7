"""The in-process level of the cache: ready-to-send answers, bounded by entries and bytes, least recently
used out first.

An entry is a finished response (status, encoded headers, body) keyed by what the request asked for (a
token, or a number and an answer variant) and tagged with the certificate number it is about, so that an
invalidation drops every variant of a number at once. A hit costs one dict look-up and a move to the end.

Two rules keep it from serving what the database no longer says:

* **Fills that raced an invalidation are refused.** Every invalidation bumps a generation; a fill remembers
  the generation at which it started reading and :meth:`put` refuses it when its number (or everything)
  was invalidated since.
* **While it cannot hear invalidations it is off.** The Redis subscriber sets :attr:`active` false when it
  loses its connection (nothing is served or stored) and back to true on reconnecting, which clears it.
"""

from __future__ import annotations

import sys
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import KW_ONLY, dataclass, field
from typing import Final, Generic, Protocol, TypeVar

#: Bytes charged per entry on top of its response and key (see :func:`_key_size`): the :class:`Entry`
#: object (~90), its slot in the ordered map (~100), its slot in the by-number map (~70) and the bound
#: verdict counter it keeps (~65). Measured with tracemalloc (tests/integration/verify/cache/test_accounting.py,
#: docs/verify.md "Memory per cached answer"): counting only the body, as before issue 12, charged about
#: half of what an answer held, so the old 64 MiB default held ~27k answers, not the 50k meant.
ENTRY_OVERHEAD: Final = 330
#: Numbers remembered as "invalidated at generation g"; beyond this everything older counts as invalidated.
MAX_REMEMBERED: Final = 100_000


class Sized(Protocol):
    """What the cache stores: anything that knows its size in bytes (a ready HTTP response, in practice)."""

    @property
    def size(self) -> int: ...


R = TypeVar("R", bound=Sized)


@dataclass(slots=True, eq=False, repr=False)
class Entry(Generic[R]):
    """One cached answer. ``holder_name`` is set for answers that need the holder's name to be shown."""

    response: R
    _: KW_ONLY
    number: str
    expires: float
    holder_name: str | None = None
    on_hit: Callable[[], None] | None = None
    size: int = field(init=False)

    def __post_init__(self) -> None:
        self.size = ENTRY_OVERHEAD + self.response.size


class ResponseCache(Generic[R]):
    """An LRU map of answers with an entry bound, a byte bound and per-number invalidation."""

    def __init__(self, *, max_entries: int, max_bytes: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.clock = clock
        self.active = True
        self.bytes = 0
        self.generation = 0
        self._data: OrderedDict[Hashable, Entry[R]] = OrderedDict()
        # one key per number almost always (one variant asked for): a set only from the second key on, as an
        # empty set costs 216 bytes, more than a tenth of an answer
        self._by_number: dict[str, Hashable | set[Hashable]] = {}
        self._invalidated: dict[str, int] = {}
        self._floor = 0  # fills that started before this generation are refused
        #: Number → tags of entries that are about it among others (a person's answer lists several
        #: certificates and is tagged with the person, see :meth:`link`).
        self._links: dict[str, set[str]] = {}

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: Hashable) -> Entry[R] | None:
        """The live entry of ``key`` (marked most recently used), or ``None``."""
        if not self.active:
            return None
        entry = self._data.get(key)
        if entry is None:
            return None
        if entry.expires < self.clock():
            self._remove(key)
            return None
        self._data.move_to_end(key)
        return entry

    def put(self, key: Hashable, entry: Entry[R], *, started: int) -> bool:
        """Store ``entry`` unless the cache is off or its number was invalidated since generation ``started``
        (when the fill began reading); evicts least recently used entries to stay within both bounds."""
        if not self.active or self.changed_since(entry.number, started):
            return False
        entry.size = ENTRY_OVERHEAD + entry.response.size + _key_size(key)
        if entry.size > self.max_bytes:
            return False
        if key in self._data:
            self._remove(key)
        self._data[key] = entry
        self._index(entry.number, key)
        self.bytes += entry.size
        while len(self._data) > self.max_entries or self.bytes > self.max_bytes:
            self._remove(next(iter(self._data)))
        return True

    def changed_since(self, number: str, started: int) -> bool:
        """Whether ``number`` (or everything) was invalidated after generation ``started``."""
        return started < self._floor or self._invalidated.get(number, -1) > started

    def link(self, number: str, tag: str) -> None:
        """Make an invalidation of ``number`` also invalidate ``tag``: a person's answer (tagged with the
        person, :mod:`verify.person.cache`) must go when any certificate it lists changes."""
        if len(self._links) > MAX_REMEMBERED:
            self.clear()
        self._links.setdefault(number, set()).add(tag)

    def invalidate(self, numbers: Iterable[str]) -> int:
        """Drop every answer about ``numbers`` (and the tags linked to them) and refuse fills of them that
        are under way; returns how many entries were dropped."""
        self.generation += 1
        dropped = 0
        wanted = list(numbers)
        if self._links:
            wanted += [tag for number in wanted for tag in self._links.pop(number, ())]
        for number in wanted:
            self._invalidated[number] = self.generation
            for key in _keys(self._by_number.pop(number, ())):
                entry = self._data.pop(key, None)
                if entry is not None:
                    self.bytes -= entry.size
                    dropped += 1
        if len(self._invalidated) > MAX_REMEMBERED:
            self._invalidated.clear()
            self._floor = self.generation
        return dropped

    def clear(self) -> None:
        """Drop everything and refuse every fill under way."""
        self.generation += 1
        self._floor = self.generation
        self._data.clear()
        self._by_number.clear()
        self._invalidated.clear()
        self._links.clear()
        self.bytes = 0

    def set_active(self, active: bool) -> None:
        """Switch the cache on or off; either way it starts empty (what it held may have been missed)."""
        if active != self.active:
            self.clear()
        self.active = active

    def _index(self, number: str, key: Hashable) -> None:
        held = self._by_number.get(number)
        if held is None:
            self._by_number[number] = key
        elif isinstance(held, set):
            held.add(key)
        elif held != key:
            self._by_number[number] = {held, key}

    def _remove(self, key: Hashable) -> None:
        entry = self._data.pop(key)
        self.bytes -= entry.size
        held = self._by_number.get(entry.number)
        if isinstance(held, set):
            held.discard(key)
            if not held:
                del self._by_number[entry.number]
        elif held == key:
            del self._by_number[entry.number]


def _keys(held: Hashable | set[Hashable]) -> Iterable[Hashable]:
    return held if isinstance(held, set) else (held,)


def _key_size(key: Hashable) -> int:
    """Bytes a key holds: the tuple and its strings (a QR token is a few hundred characters); strings that
    are shared constants (the variant names) are counted too, a few dozen bytes of over-count."""
    parts = key if isinstance(key, tuple) else (key,)
    strings = sum(sys.getsizeof(part) for part in parts if isinstance(part, str))
    return strings + (sys.getsizeof(key) if isinstance(key, tuple) else 0)
