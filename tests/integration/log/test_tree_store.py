"""The stored tree: roots and proofs from nodes of level 4 and up plus leaf hashes, in two queries."""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import delete, event, func, select

import registry.log.tree as tree_module
from registry.db import Database
from registry.events import NewEvent, append_events
from registry.log.errors import LogCorruptError
from registry.log.proofs import consistency_proof, inclusion_proof
from registry.log.tree import BLOCK, LOW_LEVELS, root_at
from registry.log.verification import verify_consistency, verify_inclusion
from registry.models import Event, LogHead, MerkleNode
from tests.unit.log.trees import consistency, inclusion, mth

BATCHES = (1, 254, 1, 1, 300, 700, 3)  # crosses 16- and 256-leaf blocks inside and at the edge of appends


def _events(count: int, tag: str) -> list[NewEvent]:
    return [
        NewEvent(kind="batch.submitted", subject=f"b:{tag}{i}", actor="test", details={"i": i}) for i in range(count)
    ]


async def _grow(database: Database) -> list[bytes]:
    for number, count in enumerate(BATCHES):
        async with database.transaction() as session:
            await append_events(session, _events(count, f"{number}-"))
    async with database.reader() as session:
        return list((await session.scalars(select(Event.leaf_hash).order_by(Event.idx))).all())


async def test_roots_and_proofs_match_the_reference_tree(database: Database) -> None:
    hashes = await _grow(database)
    size = len(hashes)
    assert size == sum(BATCHES)
    rng = random.Random(6962)
    async with database.reader() as session:
        for n in (0, 1, 255, 256, 257, 511, 512, 513, 1024, size - 1, size):
            assert await root_at(session, n) == mth(hashes[:n])
        for _ in range(25):
            n = rng.randint(1, size)
            index = rng.randrange(n)
            proof = await inclusion_proof(session, index, n)
            assert proof == inclusion(hashes, index, n)
            verify_inclusion(index, n, hashes[index], proof, mth(hashes[:n]))
            first = rng.randint(1, n)
            proof = await consistency_proof(session, first, n)
            assert proof == consistency(hashes, first, n)
            verify_consistency(first, n, proof, mth(hashes[:first]), mth(hashes[:n]))


async def test_only_subtrees_of_16_leaves_and_more_are_stored(database: Database) -> None:
    await _grow(database)  # 1,260 leaves: 78 nodes at level 4, 39 at level 5 … 1 at level 10
    async with database.reader() as session:
        rows = (await session.execute(select(MerkleNode.level, MerkleNode.index))).all()
    assert LOW_LEVELS == 4
    assert sorted(tuple(row) for row in rows) == [(level, i) for level in range(4, 11) for i in range(1260 >> level)]


async def test_every_inclusion_proof_reads_o_log_n_rows(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows read (stored nodes + leaf hashes), counted, for the proof of every leaf at several tree sizes:
    at most 2 log2 n nodes and two 16-leaf blocks of leaf hashes (was up to two 256-leaf blocks)."""
    hashes = await _grow(database)
    read: list[int] = []
    read_nodes, read_leaves = tree_module.read_nodes, tree_module.read_leaf_hashes
    read_both = tree_module.read_nodes_and_leaves_pg

    async def counted_nodes(*args: Any) -> dict[tuple[int, int], bytes]:
        found = await read_nodes(*args)
        read.append(len(found))
        return found

    async def counted_leaves(*args: Any) -> dict[int, bytes]:
        found = await read_leaves(*args)
        read.append(len(found))
        return found

    async def counted_both(*args: Any) -> tuple[dict[tuple[int, int], bytes], dict[int, bytes]]:
        nodes, leaves = await read_both(*args)
        read.append(len(nodes) + len(leaves))
        return nodes, leaves

    monkeypatch.setattr(tree_module, "read_nodes", counted_nodes)
    monkeypatch.setattr(tree_module, "read_leaf_hashes", counted_leaves)
    monkeypatch.setattr(tree_module, "read_nodes_and_leaves_pg", counted_both)
    worst: dict[int, int] = {}
    async with database.reader() as session:
        for size in (17, 256, 700, len(hashes)):
            for index in range(0, size, 3):
                read.clear()
                proof = await inclusion_proof(session, index, size)
                assert proof == inclusion(hashes, index, size)
                worst[size] = max(worst.get(size, 0), sum(read))
    for size, rows in worst.items():
        assert rows <= 2 * (size - 1).bit_length() + 2 * (BLOCK - 1), (size, rows)
    assert worst[len(hashes)] <= 2 * 11 + 2 * 15  # 52 at 1,260 leaves; 256-leaf blocks read up to 511


async def test_a_proof_costs_two_queries_whatever_the_size_one_on_postgresql(database: Database) -> None:
    hashes = await _grow(database)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(database.read_engine.sync_engine, "before_cursor_execute", count)
    try:
        async with database.reader() as session:
            for index in (0, 300, len(hashes) - 1):
                statements.clear()
                await inclusion_proof(session, index, len(hashes))
                assert len(statements) == (1 if database.dialect == "postgresql" else 2), statements
                statements.clear()
                await consistency_proof(session, index + 1, len(hashes))
                assert len(statements) <= 2, statements
    finally:
        event.remove(database.read_engine.sync_engine, "before_cursor_execute", count)


async def test_a_large_append_rolls_back_completely(database: Database) -> None:
    await _grow(database)
    with pytest.raises(RuntimeError):
        async with database.transaction() as session:
            await append_events(session, _events(2000, "big"))  # COPY on PostgreSQL
            raise RuntimeError("the batch failed after its events were written")
    async with database.reader() as session:
        assert await session.scalar(select(func.count()).select_from(Event)) == sum(BATCHES)
        assert await session.scalar(select(LogHead.size)) == sum(BATCHES)
        assert await session.scalar(select(func.max(MerkleNode.level))) == 10


async def test_a_missing_node_is_reported_not_papered_over(database: Database) -> None:
    hashes = await _grow(database)
    async with database.transaction() as session:
        await session.execute(delete(MerkleNode).where(MerkleNode.level == 9, MerkleNode.index == 0))
    async with database.reader() as session:
        with pytest.raises(LogCorruptError, match="missing"):
            await inclusion_proof(session, 600, len(hashes))  # needs node 9/0: leaves 0-511
