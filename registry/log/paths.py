"""Which subtrees make up a proof (RFC 9162 §2.1.3.1 PATH and §2.1.4.1 SUBPROOF), as leaf ranges (pure).

A proof is a list of hashes, each the Merkle Tree Hash of a range of leaves ``[start, end)``. Computing the
ranges is pure arithmetic; :mod:`registry.log.proofs` then reads each range's hash from the stored complete
subtrees. Lists come bottom-up, the order RFC 9162 sends them in.
"""

from __future__ import annotations

from registry.log.errors import LogRangeError
from registry.log.merkle import split_point

Range = tuple[int, int]


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The ranges whose hashes prove leaf ``index`` in the tree of ``size`` leaves.

    Raises :class:`LogRangeError` unless ``0 <= index < size``.
    """
    if not 0 <= index < size:
        raise LogRangeError(f"叶子 {index} 不在大小为 {size} 的树中 / leaf {index} is not in a tree of size {size}")
    found: list[Range] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = split_point(hi - lo)
        if index < lo + k:
            found.append((lo + k, hi))
            hi = lo + k
        else:
            found.append((lo, lo + k))
            lo += k
    found.reverse()
    return found


def consistency_ranges(first: int, second: int) -> list[Range]:
    """The ranges whose hashes prove the tree of ``first`` leaves is a prefix of the tree of ``second``.

    Empty when the sizes are equal. Raises :class:`LogRangeError` unless ``0 < first <= second`` (a proof
    from the empty tree means nothing: every tree extends it).
    """
    if not 0 < first <= second:
        raise LogRangeError(
            f"一致性证明需要 0 < first <= second，收到 {first}、{second} / a consistency proof needs "
            f"0 < first <= second, got first={first}, second={second}"
        )
    found: list[Range] = []
    lo, hi, m, whole = 0, second, first, True
    while m < hi - lo:
        k = split_point(hi - lo)
        if m <= k:
            found.append((lo + k, hi))
            hi = lo + k
        else:
            found.append((lo, lo + k))
            lo += k
            m -= k
            whole = False
    if not whole:
        found.append((lo, hi))
    found.reverse()
    return found
