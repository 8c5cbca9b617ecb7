"""What a worker knows of the change feed, so that no cache level can bring back an answer it has seen end.

Every event of the log has an index, handed out in commit order. A worker knows

* its **position**: the newest event its change feed has applied (every change up to it is known), and
* per certificate number, the index of the newest event about it that it has seen (from the feed, or from
  a view it read from the database).

Every value written to the Redis level is **stamped** with the newest event index it is known to reflect
for its number: the position of the load that read it from the database, or the view's own latest event if
that is newer. A value whose stamp is older than the newest event the worker knows about its number is
**stale** and is never used, whatever Redis says: a Redis that was frozen while a certificate was revoked,
restarted from an old snapshot, or written by a lagging worker cannot undo the revocation, because the
worker's own feed has already seen the revoking event (issue 10, item 1).

Values written before the worker started (stamp below its start position) are refused too: the worker
cannot know what happened to their numbers before it was listening, so it reads the database once and
re-stamps the value. When more numbers are remembered than :data:`MAX_NUMBERS`, they are forgotten and the
floor rises to the current position instead, which refuses at least as much.
"""

from __future__ import annotations

import struct
from typing import Final

#: Numbers remembered with their newest event; beyond this the floor rises to the position.
MAX_NUMBERS: Final = 100_000
_STAMP: Final = struct.Struct(">q")


class StaleValueError(ValueError):
    """A Redis value without a readable stamp (written by an older release); the caller treats it as a miss."""


class Revisions:
    """The feed position of this worker and the newest event seen per number (see the module docstring)."""

    def __init__(self, *, max_numbers: int = MAX_NUMBERS) -> None:
        self.max_numbers = max_numbers
        self.position = -1
        self.floor = -1
        self._newest: dict[str, int] = {}

    def start(self, position: int) -> None:
        """The feed starts at ``position``: anything stamped before it is not trusted."""
        self.position = max(self.position, position)
        self.floor = max(self.floor, position)

    def saw(self, number: str, index: int) -> None:
        """An event (or a database view reflecting the event) ``index`` about ``number``."""
        if index <= self._newest.get(number, -1) or index <= self.floor:
            return
        if len(self._newest) >= self.max_numbers:
            self._newest.clear()
            self.floor = max(self.floor, self.position, index)
            return
        self._newest[number] = index

    def advance(self, position: int) -> None:
        """The feed has applied every event up to ``position``."""
        self.position = max(self.position, position)

    def newest(self, number: str) -> int:
        """The newest event index this worker knows to concern ``number`` (the floor if none is remembered)."""
        return max(self.floor, self._newest.get(number, -1))

    def known(self, number: str) -> int:
        """The newest event about ``number`` this worker remembers itself (-1: none since it started)."""
        return self._newest.get(number, -1)

    def stale(self, number: str, stamp: int) -> bool:
        """Whether a value stamped ``stamp`` may miss an event about ``number`` that this worker has seen."""
        return stamp < self.newest(number)


def stamp_value(stamp: int, payload: bytes) -> bytes:
    """The Redis value: the stamp (8 bytes, big-endian) followed by the encoded view."""
    return _STAMP.pack(stamp) + payload


def unstamp_value(value: bytes) -> tuple[int, bytes]:
    """``(stamp, payload)`` of a Redis value; raises :class:`StaleValueError` for one without a stamp."""
    if len(value) <= _STAMP.size:
        raise StaleValueError("value too short for a stamp")
    return _STAMP.unpack_from(value)[0], value[_STAMP.size :]
