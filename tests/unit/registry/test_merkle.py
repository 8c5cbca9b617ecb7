"""RFC 6962 hashing helpers against a direct transcription of RFC 9162 §2.1.1 (MTH)."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from registry.log.merkle import EMPTY_ROOT, fold_root, leaf_hash, new_nodes, node_hash, subtrees


def mth(leaves: list[bytes]) -> bytes:
    """MTH as RFC 9162 §2.1.1 writes it, recursively."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaf_hash(leaves[0])
    k = 1 << ((n - 1).bit_length() - 1)
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def subtree_hash(leaves: list[bytes], level: int, index: int) -> bytes:
    return mth(leaves[index << level : (index + 1) << level])


@given(st.integers(min_value=0, max_value=70))
def test_root_from_complete_subtrees_equals_mth(n: int) -> None:
    leaves = [bytes([i]) * 3 for i in range(n)]
    parts = [subtree_hash(leaves, level, index) for level, index in subtrees(0, n)]
    assert fold_root(parts) == mth(leaves)


@given(st.integers(min_value=0, max_value=64), st.integers(min_value=1, max_value=64))
def test_new_nodes_are_exactly_the_subtrees_completed_by_an_append(start: int, count: int) -> None:
    end = start + count
    before = {(lv, i) for lv in range(1, 8) for i in range(64) if (i + 1) << lv <= start}
    after = {(lv, i) for lv in range(1, 8) for i in range(128) if (i + 1) << lv <= end}
    produced = list(new_nodes(start, end))
    assert set(produced) == after - before
    assert len(produced) == len(set(produced))
    seen: set[tuple[int, int]] = set()
    for level, index in produced:  # children before parents
        for child in ((level - 1, 2 * index), (level - 1, 2 * index + 1)):
            assert level == 1 or child in seen or child in before
        seen.add((level, index))


def test_known_hash_values() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    # RFC 6962 test data (certificate-transparency-go merkletree tests): leaf "" hashes to this value
    assert leaf_hash(b"").hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
