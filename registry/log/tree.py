"""Storage of the Merkle tree's complete subtrees in ``merkle_node`` and the root at any size.

Appending ``k`` leaves reads at most one stored node per level (the left siblings that were already
complete) and writes every newly complete node; a root or a proof reads O(log n) nodes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from registry.log.merkle import fold_root, new_nodes, node_hash, subtrees
from registry.models import MerkleNode


async def read_nodes(session: AsyncSession, wanted: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """Hashes of the stored nodes ``(level, index)`` asked for; a missing node is simply absent."""
    keys = list(set(wanted))
    found: dict[tuple[int, int], bytes] = {}
    for chunk in range(0, len(keys), 500):
        part = keys[chunk : chunk + 500]
        rows = await session.execute(
            select(MerkleNode.level, MerkleNode.index, MerkleNode.hash).where(
                tuple_(MerkleNode.level, MerkleNode.index).in_(part)
            )
        )
        found.update({(level, index): digest for level, index, digest in rows})
    return found


async def store_leaves(session: AsyncSession, start: int, hashes: Sequence[bytes]) -> None:
    """Store level-0 nodes for leaves ``start…`` and every interior node that became complete."""
    end = start + len(hashes)
    fresh: dict[tuple[int, int], bytes] = {(0, start + i): h for i, h in enumerate(hashes)}
    pending = list(new_nodes(start, end))
    needed = {
        child
        for level, index in pending
        for child in ((level - 1, 2 * index), (level - 1, 2 * index + 1))
        if (child[1] + 1) << child[0] <= start  # complete before this append: already stored
    }
    stored = await read_nodes(session, needed)
    for level, index in pending:
        left = (level - 1, 2 * index)
        right = (level - 1, 2 * index + 1)
        fresh[(level, index)] = node_hash(fresh.get(left) or stored[left], fresh.get(right) or stored[right])
    rows = [{"level": level, "index": index, "hash": digest} for (level, index), digest in fresh.items()]
    for chunk in range(0, len(rows), 5000):
        await session.execute(insert(MerkleNode), rows[chunk : chunk + 5000])


async def root_at(session: AsyncSession, size: int) -> bytes:
    """The tree's root hash at ``size`` leaves (RFC 9162 MTH), from O(log size) stored nodes."""
    parts = list(subtrees(0, size))
    nodes = await read_nodes(session, parts)
    return fold_root([nodes[part] for part in parts])
