"""Properties over random tree sizes: every proof the path arithmetic makes verifies, and any change fails."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.log.errors import LogRangeError, ProofError
from registry.log.frontier import Frontier
from registry.log.merkle import complete_root, fold_root, subtrees
from registry.log.paths import consistency_ranges, inclusion_ranges
from registry.log.verification import verify_consistency, verify_inclusion
from tests.unit.log.trees import consistency, inclusion, leaves, mth

HASHES = leaves(300)
ROOTS = [mth(HASHES[:n]) for n in range(len(HASHES) + 1)]


@st.composite
def leaf_in_tree(draw: st.DrawFn) -> tuple[int, int]:
    size = draw(st.integers(min_value=1, max_value=300))
    return draw(st.integers(min_value=0, max_value=size - 1)), size


@st.composite
def two_sizes(draw: st.DrawFn) -> tuple[int, int]:
    second = draw(st.integers(min_value=1, max_value=300))
    return draw(st.integers(min_value=1, max_value=second)), second


def _flip(proof: list[bytes], position: int, bit: int) -> list[bytes]:
    changed = [*proof]
    item = bytearray(changed[position])
    item[bit // 8] ^= 1 << (bit % 8)
    changed[position] = bytes(item)
    return changed


@given(leaf_in_tree())
def test_every_inclusion_proof_verifies(case: tuple[int, int]) -> None:
    index, size = case
    proof = inclusion(HASHES, index, size)
    assert len(proof) <= size.bit_length()
    verify_inclusion(index, size, HASHES[index], proof, ROOTS[size])


@given(leaf_in_tree(), st.data())
def test_a_flipped_bit_or_another_leaf_fails_inclusion(case: tuple[int, int], data: st.DataObject) -> None:
    index, size = case
    proof = inclusion(HASHES, index, size)
    bit = data.draw(st.integers(min_value=0, max_value=255))
    with pytest.raises(ProofError):
        verify_inclusion(index, size, HASHES[index], proof, _flip([ROOTS[size]], 0, bit)[0])
    if proof:
        with pytest.raises(ProofError):
            verify_inclusion(
                index, size, HASHES[index], _flip(proof, data.draw(st.integers(0, len(proof) - 1)), bit), ROOTS[size]
            )
    if size > 1:
        other = (index + data.draw(st.integers(min_value=1, max_value=size - 1))) % size
        with pytest.raises(ProofError):
            verify_inclusion(index, size, HASHES[other], proof, ROOTS[size])


@given(two_sizes())
def test_every_consistency_proof_verifies(case: tuple[int, int]) -> None:
    first, second = case
    proof = consistency(HASHES, first, second)
    verify_consistency(first, second, proof, ROOTS[first], ROOTS[second])


@given(two_sizes(), st.data())
def test_a_flipped_bit_fails_consistency(case: tuple[int, int], data: st.DataObject) -> None:
    first, second = case
    proof = consistency(HASHES, first, second)
    bit = data.draw(st.integers(min_value=0, max_value=255))
    if proof:
        with pytest.raises(ProofError):
            verify_consistency(
                first, second, _flip(proof, data.draw(st.integers(0, len(proof) - 1)), bit), ROOTS[first], ROOTS[second]
            )
    with pytest.raises(ProofError):
        verify_consistency(first, second, proof, _flip([ROOTS[first]], 0, bit)[0], ROOTS[second])


@given(two_sizes())
def test_a_rewritten_prefix_is_not_consistent(case: tuple[int, int]) -> None:
    first, second = case
    forged = [*HASHES[:second]]
    forged[first - 1] = mth([])  # the last leaf of the old tree, rewritten
    proof = consistency(forged, first, second)
    with pytest.raises(ProofError):
        verify_consistency(first, second, proof, ROOTS[first], mth(forged))


@given(st.integers(min_value=0, max_value=300))
def test_frontier_gives_every_root_and_complete_subtree(size: int) -> None:
    frontier = Frontier()
    closed = {}
    for digest in HASHES[:size]:
        for level, index, node in frontier.push(digest):
            closed[(level, index)] = node
    assert frontier.root() == ROOTS[size]
    for (level, index), node in closed.items():
        assert node == complete_root(HASHES[index << level : (index + 1) << level])
    assert fold_root([closed.get(part) or HASHES[part[1]] for part in subtrees(0, size)]) == ROOTS[size]


def test_ranges_refuse_impossible_requests() -> None:
    for index, size in ((0, 0), (5, 5), (-1, 3)):
        with pytest.raises(LogRangeError):
            inclusion_ranges(index, size)
    for first, second in ((0, 4), (5, 4), (-1, 2)):
        with pytest.raises(LogRangeError):
            consistency_ranges(first, second)
    assert consistency_ranges(7, 7) == []
