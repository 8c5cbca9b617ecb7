"""Storage of the Merkle tree: stored nodes from level 4 up, leaves below, and the hash of any range.

What is stored. Every leaf hash is in its event row (``event.leaf_hash``). ``merkle_node`` keeps the hash of
each complete subtree of 16 leaves or more (levels >= :data:`LOW_LEVELS`); the three levels in between are
not stored, as a subtree below level 4 is recomputed from at most 16 leaf hashes read in one range query.
So an append of ``k`` leaves writes about ``k / 8`` node rows (100,000 leaves: ~12,500 rows instead of
~200,000), and any root or proof costs two queries reading at most ``2 log2 n`` stored nodes and the leaf
hashes of at most two 16-leaf blocks: O(log n) rows, never a rebuild.

Why 16 and not 256 (migration 0008_log): with 256-leaf blocks every proof read and hashed 276–333 leaf
hashes, 44 % of a cold verify look-up at 1M certificates (issue 12); with 16 it reads at most 31, and
the extra node rows cost an append about 1/8 of a row per leaf (docs/log.md, "Measured").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

from sqlalchemy import and_, or_, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from registry.bulk import insert_records
from registry.log.errors import LogCorruptError
from registry.log.merkle import complete_root, fold_root, new_nodes, node_hash, subtrees
from registry.models import Event, MerkleNode

#: Levels below this are not stored: recomputed from at most 2**LOW_LEVELS leaf hashes.
LOW_LEVELS: Final = 4
BLOCK: Final = 1 << LOW_LEVELS

Node = tuple[int, int]  # (level, index): the subtree of 2**level leaves starting at index * 2**level
Range = tuple[int, int]  # leaves [start, end)


#: PostgreSQL: the nodes asked for as two arrays, so that every read is one statement of one shape (prepared
#: once per connection, planned once), whatever the number of nodes. An ``IN`` of n tuples is a new statement
#: for every n: parsed and planned on every cold proof (issue 12).
_NODES_PG: Final = text(
    "SELECT n.level, n.index, n.hash FROM merkle_node AS n JOIN unnest(CAST(:levels AS SMALLINT[]), "
    "CAST(:indexes AS BIGINT[])) AS w(level, index) ON n.level = w.level AND n.index = w.index"
)
_LEAVES_PG: Final = text("SELECT idx, leaf_hash FROM event WHERE idx = ANY(CAST(:indexes AS BIGINT[]))")
#: Both in one statement: leaves come back as level -1.
_BOTH_PG: Final = text(
    "SELECT n.level, n.index, n.hash FROM merkle_node AS n JOIN unnest(CAST(:levels AS SMALLINT[]), "
    "CAST(:indexes AS BIGINT[])) AS w(level, index) ON n.level = w.level AND n.index = w.index "
    "UNION ALL SELECT -1, idx, leaf_hash FROM event WHERE idx = ANY(CAST(:leaves AS BIGINT[]))"
)


async def read_nodes(session: AsyncSession, wanted: Iterable[Node]) -> dict[Node, bytes]:
    """Hashes of the stored nodes asked for; raises :class:`LogCorruptError` if one is missing."""
    keys = sorted(set(wanted))
    found: dict[Node, bytes] = {}
    connection = await session.connection()
    if keys and connection.dialect.name == "postgresql":
        levels, indexes = [level for level, _ in keys], [index for _, index in keys]
        result = await connection.execute(_NODES_PG, {"levels": levels, "indexes": indexes})
        found.update({(level, index): bytes(digest) for level, index, digest in result.all()})
    else:
        for chunk in range(0, len(keys), 500):
            part = keys[chunk : chunk + 500]
            query = select(MerkleNode.level, MerkleNode.index, MerkleNode.hash).where(
                tuple_(MerkleNode.level, MerkleNode.index).in_(part)
            )
            found.update({(level, index): digest for level, index, digest in (await connection.execute(query)).all()})
    return _all_nodes(keys, found)


def _all_nodes(keys: Sequence[Node], found: dict[Node, bytes]) -> dict[Node, bytes]:
    missing = [key for key in keys if key not in found]
    if missing:
        raise LogCorruptError(f"默克尔树节点缺失 / Merkle tree nodes missing: {missing[:5]}; run `certreg audit`")
    return found


def merge_ranges(ranges: Iterable[Range]) -> list[Range]:
    """Sorted, non-overlapping ranges covering the same leaves (adjacent ones joined)."""
    merged: list[Range] = []
    for start, end in sorted(r for r in ranges if r[0] < r[1]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


async def read_leaf_hashes(session: AsyncSession, ranges: Iterable[Range]) -> dict[int, bytes]:
    """Leaf hashes of every index in ``ranges`` (one query); raises :class:`LogCorruptError` on a gap."""
    merged = merge_ranges(ranges)
    if not merged:
        return {}
    connection = await session.connection()
    # Core execution with all rows fetched at once: the ORM's row-by-row handling cost four times the query
    if connection.dialect.name == "postgresql":  # one statement shape whatever the ranges (see _NODES_PG)
        indexes = [i for start, end in merged for i in range(start, end)]
        result = await connection.execute(_LEAVES_PG, {"indexes": indexes})
    else:
        condition = or_(*(and_(Event.idx >= start, Event.idx < end) for start, end in merged))
        result = await connection.execute(select(Event.idx, Event.leaf_hash).where(condition))
    return _all_leaves(merged, {int(idx): bytes(digest) for idx, digest in result.all()})


def _all_leaves(merged: Sequence[Range], found: dict[int, bytes]) -> dict[int, bytes]:
    if len(found) != sum(end - start for start, end in merged):
        raise LogCorruptError(f"日志缺少叶子 / leaves missing from the log in {merged[:3]}; run `certreg audit`")
    return found


async def read_nodes_and_leaves_pg(
    session: AsyncSession, wanted: Iterable[Node], ranges: Iterable[Range]
) -> tuple[dict[Node, bytes], dict[int, bytes]]:
    """:func:`read_nodes` and :func:`read_leaf_hashes` in one round trip (PostgreSQL): a cold verify
    look-up's proof is then one query, not two (issue 12)."""
    keys, merged = sorted(set(wanted)), merge_ranges(ranges)
    parameters = {
        "levels": [level for level, _ in keys],
        "indexes": [index for _, index in keys],
        "leaves": [i for start, end in merged for i in range(start, end)],
    }
    nodes: dict[Node, bytes] = {}
    leaves: dict[int, bytes] = {}
    for level, index, digest in (await (await session.connection()).execute(_BOTH_PG, parameters)).all():
        if level < 0:
            leaves[int(index)] = bytes(digest)
        else:
            nodes[(int(level), int(index))] = bytes(digest)
    return _all_nodes(keys, nodes), _all_leaves(merged, leaves)


async def store_leaves(session: AsyncSession, start: int, hashes: Sequence[bytes]) -> None:
    """Store every node at level >= :data:`LOW_LEVELS` that leaves ``start…`` complete.

    Reads the leaf hashes of the first completed block that came before ``start`` (at most 15) and at most
    one stored node per level; the new leaves' event rows must already be in the session.
    """
    end = start + len(hashes)
    fresh: dict[Node, bytes] = {}
    first_block, last_block = start // BLOCK, end // BLOCK
    if last_block > first_block:
        base = first_block * BLOCK
        earlier = await read_leaf_hashes(session, [(base, start)])
        leaves = [earlier[i] for i in range(base, start)] + list(hashes)
        for block in range(first_block, last_block):
            offset = block * BLOCK - base
            fresh[(LOW_LEVELS, block)] = complete_root(leaves[offset : offset + BLOCK])
    pending = list(new_nodes(start, end, LOW_LEVELS + 1))
    children = {child for level, index in pending for child in ((level - 1, 2 * index), (level - 1, 2 * index + 1))}
    stored = await read_nodes(session, children - set(pending) - set(fresh))
    for level, index in pending:
        left, right = (level - 1, 2 * index), (level - 1, 2 * index + 1)
        fresh[(level, index)] = node_hash(fresh.get(left) or stored[left], fresh.get(right) or stored[right])
    records = [(level, index, digest) for (level, index), digest in fresh.items()]
    await insert_records(session, MerkleNode, ("level", "index", "hash"), records)


async def range_hashes(session: AsyncSession, ranges: Sequence[Range]) -> list[bytes]:
    """The Merkle Tree Hash of each range of leaves (RFC 9162 MTH), from stored nodes and leaf hashes.

    Each range must be aligned as RFC 9162's recursion makes them (see :func:`subtrees`); ``(0, n)`` is the
    root at size ``n``. Raises :class:`LogCorruptError` when a node or leaf it needs is missing.
    """
    parts = [list(subtrees(start, end)) for start, end in ranges]
    wanted = {node for nodes in parts for node in nodes}
    high = {node for node in wanted if node[0] >= LOW_LEVELS}
    low = wanted - high
    blocks = [(i << level, (i + 1) << level) for level, i in low]
    if high and blocks and (await session.connection()).dialect.name == "postgresql":
        hashes, leaves = await read_nodes_and_leaves_pg(session, high, blocks)
    else:
        hashes = await read_nodes(session, high)
        leaves = await read_leaf_hashes(session, blocks)
    for level, index in low:
        hashes[(level, index)] = complete_root([leaves[j] for j in range(index << level, (index + 1) << level)])
    return [fold_root([hashes[node] for node in nodes]) for nodes in parts]


async def root_at(session: AsyncSession, size: int) -> bytes:
    """The tree's root hash at ``size`` leaves (RFC 9162 MTH), in O(log size) reads."""
    return (await range_hashes(session, [(0, size)]))[0]
