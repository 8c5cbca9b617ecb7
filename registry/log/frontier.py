"""Rebuilding the tree leaf by leaf in O(log n) memory: the compact range of a growing prefix (pure).

The audit feeds every leaf hash it recomputes from the events; the frontier yields each complete subtree as
it closes (to compare with the stored nodes) and gives the root at any size on the way (to compare with
every signed checkpoint) — without holding the tree.
"""

from __future__ import annotations

from registry.log.merkle import fold_root, node_hash


class Frontier:
    """The complete subtrees of the leaves seen so far, largest first."""

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []  # (level, hash)

    def push(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add one leaf hash; returns the ``(level, index, hash)`` of every subtree above level 0 it closes."""
        self._stack.append((0, leaf))
        self.size += 1
        closed: list[tuple[int, int, bytes]] = []
        while len(self._stack) > 1 and self._stack[-1][0] == self._stack[-2][0]:
            level, right = self._stack.pop()
            _, left = self._stack.pop()
            merged = node_hash(left, right)
            self._stack.append((level + 1, merged))
            closed.append((level + 1, (self.size >> (level + 1)) - 1, merged))
        return closed

    def root(self) -> bytes:
        """The root of the leaves seen so far (RFC 9162 MTH)."""
        return fold_root([digest for _, digest in self._stack])
