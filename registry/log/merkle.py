"""RFC 6962 / RFC 9162 Merkle tree hashing (pure: no I/O).

Leaf hash ``SHA-256(0x00 || data)``, interior node ``SHA-256(0x01 || left || right)``. A tree of ``n`` leaves
is the fold, from the right, of the complete subtrees of ``n``'s binary decomposition; storing every complete
subtree's hash is therefore enough to get any root, and any proof, in O(log n) node reads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def subtrees(start: int, end: int) -> Iterator[tuple[int, int]]:
    """The complete subtrees, as ``(level, index)``, that make up leaves ``[start, end)`` left to right.

    ``start`` must be 0 or a position where such a decomposition exists (as in RFC 9162 §2.1.1 where the
    range is split at the largest power of two). Used with ``start=0`` to get a tree's root.
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


def new_nodes(start: int, end: int) -> Iterator[tuple[int, int]]:
    """Every ``(level, index)`` above level 0 that becomes complete when leaves ``[start, end)`` arrive,
    in an order where a node's children always come first."""
    level = 1
    while (1 << level) <= end:
        first = start >> level
        last = (end >> level) - 1
        for index in range(first, last + 1):
            if (index + 1) << level > start:
                yield level, index
        level += 1
