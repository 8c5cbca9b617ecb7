"""Inclusion and consistency proofs from the stored tree (a certificate's answer takes its own from
:func:`inclusion_proofs`: :func:`verify.queries.with_log_proofs`).

Each proof is the list of hashes of the ranges :mod:`registry.log.paths` names, read from the stored nodes
by :func:`registry.log.tree.range_hashes`: two queries, O(log n) rows, whatever the log's size.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from registry.log.paths import consistency_ranges, inclusion_ranges
from registry.log.tree import range_hashes


async def inclusion_proof(session: AsyncSession, index: int, size: int) -> list[bytes]:
    """RFC 9162 inclusion proof of leaf ``index`` in the tree of ``size`` leaves (``size`` <= the log's).

    Raises :class:`LogRangeError` for an index outside the tree, :class:`LogCorruptError` for a size the
    stored tree does not reach.
    """
    return await range_hashes(session, inclusion_ranges(index, size))


async def inclusion_proofs(
    session: AsyncSession, indices: Sequence[int], size: int
) -> dict[int, tuple[bytes, list[bytes]]]:
    """Leaf hash and inclusion proof of each of ``indices`` (all < ``size``) in the tree of ``size`` leaves,
    in the same two queries as one proof: for the pages of many certificates loaded together."""
    plans = {index: inclusion_ranges(index, size) for index in set(indices)}
    ranges: list[tuple[int, int]] = []
    for index, path in plans.items():
        ranges.append((index, index + 1))
        ranges.extend(path)
    hashes = iter(await range_hashes(session, ranges))
    found: dict[int, tuple[bytes, list[bytes]]] = {}
    for index, path in plans.items():
        leaf = next(hashes)
        found[index] = (leaf, [next(hashes) for _ in path])
    return found


async def consistency_proof(session: AsyncSession, first: int, second: int) -> list[bytes]:
    """RFC 9162 consistency proof from the tree of ``first`` leaves to that of ``second`` (``0 < first``)."""
    return await range_hashes(session, consistency_ranges(first, second))
