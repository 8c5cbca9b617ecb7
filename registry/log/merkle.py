"""RFC 6962 / RFC 9162 Merkle tree hashing (pure: no I/O).

Leaf hash ``SHA-256(0x00 || data)``, interior node ``SHA-256(0x01 || left || right)``. A tree of ``n`` leaves
is the fold, from the right, of the complete subtrees of ``n``'s binary decomposition; any range of leaves
that a proof needs is likewise a fold of complete subtrees, so knowing complete subtrees' hashes is enough to
answer any root or proof without rebuilding the tree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from typing import Final

HASH_SIZE: Final = 32
EMPTY_ROOT: Final = hashlib.sha256(b"").digest()

_sha256 = hashlib.sha256


def leaf_hash(data: bytes) -> bytes:
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (``n >= 2``): where RFC 9162 splits a tree."""
    return 1 << ((n - 1).bit_length() - 1)


def subtrees(start: int, end: int) -> Iterator[tuple[int, int]]:
    """The complete subtrees, as ``(level, index)``, that make up leaves ``[start, end)`` left to right.

    ``start`` must be 0 or aligned as in RFC 9162's recursion (a multiple of a power of two at least
    ``end - start``); then folding the subtrees' hashes from the right gives MTH of the range.
    """
    while start < end:
        level = (end - start).bit_length() - 1
        # the subtree must also be aligned on its own size
        while start % (1 << level):
            level -= 1
        yield level, start >> level
        start += 1 << level


def fold_root(parts: Sequence[bytes]) -> bytes:
    """Root of a tree from its complete subtrees' hashes, left to right (RFC 9162 MTH)."""
    if not parts:
        return EMPTY_ROOT
    acc = parts[-1]
    for part in reversed(parts[:-1]):
        acc = node_hash(part, acc)
    return acc


def complete_root(hashes: Sequence[bytes]) -> bytes:
    """Root of a complete subtree from its leaf hashes (``len(hashes)`` a power of two)."""
    level = list(hashes)
    while len(level) > 1:
        level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def new_nodes(start: int, end: int, min_level: int = 1) -> Iterator[tuple[int, int]]:
    """Every ``(level, index)`` from ``min_level`` up that becomes complete when leaves ``[start, end)``
    arrive, in an order where a node's children always come first."""
    level = min_level
    while (1 << level) <= end:
        first = start >> level
        last = (end >> level) - 1
        for index in range(first, last + 1):
            if (index + 1) << level > start:
                yield level, index
        level += 1
