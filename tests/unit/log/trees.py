"""An in-memory reference for the log's tests: RFC 9162 MTH written as the RFC writes it, and proofs built
from it with the production path arithmetic (so a wrong path shows up against the published vectors)."""

from __future__ import annotations

import hashlib

from registry.log.merkle import leaf_hash, node_hash
from registry.log.paths import consistency_ranges, inclusion_ranges


def mth(hashes: list[bytes]) -> bytes:
    """MTH over leaf *hashes*, recursively, as RFC 9162 §2.1.1 defines it."""
    n = len(hashes)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashes[0]
    k = 1 << ((n - 1).bit_length() - 1)
    return node_hash(mth(hashes[:k]), mth(hashes[k:]))


def leaves(n: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


def inclusion(hashes: list[bytes], index: int, size: int) -> list[bytes]:
    return [mth(hashes[lo:hi]) for lo, hi in inclusion_ranges(index, size)]


def consistency(hashes: list[bytes], first: int, second: int) -> list[bytes]:
    return [mth(hashes[lo:hi]) for lo, hi in consistency_ranges(first, second)]
