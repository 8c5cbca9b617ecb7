"""Migrations 0003_log (nodes below level 8 dropped; downgraded, recomputed from the events) and 0008_log
(levels 4–7 computed from the leaf hashes; downgraded, dropped again)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import Connection, select

from registry.db import Database
from registry.events import NewEvent, append_events
from registry.log.merkle import complete_root
from registry.log.tree import root_at
from registry.models import Event, MerkleNode
from registry.schema import alembic_config, current_revision, upgrade
from tests.unit.log.trees import mth


async def _downgrade(database: Database, revision: str) -> None:
    def _run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    async with database.write_engine.begin() as connection:
        await connection.run_sync(_run)


async def _nodes(database: Database) -> dict[tuple[int, int], bytes]:
    async with database.reader() as session:
        rows = await session.execute(select(MerkleNode.level, MerkleNode.index, MerkleNode.hash))
        return {(level, index): digest for level, index, digest in rows}


async def _logged(database: Database, count: int) -> None:
    """The schema at head, then ``count`` events appended (each one a leaf of the log)."""
    await upgrade(database.write_engine)
    async with database.transaction() as session:
        await append_events(
            session, [NewEvent(kind="batch.submitted", subject=f"b{i}", actor="t") for i in range(count)]
        )


async def test_down_and_up_again(tmp_path: Path) -> None:
    async with Database(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}") as database:
        await _logged(database, 600)
        async with database.reader() as session:
            hashes = list((await session.scalars(select(Event.leaf_hash).order_by(Event.idx))).all())
        upper = await _nodes(database)
        assert min(level for level, _ in upper) == 4

        await _downgrade(database, "0002_batches")
        assert await current_revision(database.write_engine) == "0002_batches"
        every = await _nodes(database)
        expected_low = {
            (level, index): complete_root(hashes[index << level : (index + 1) << level])
            for level in range(8)
            for index in range(600 >> level)
        }
        assert every == {**expected_low, **upper}

        await upgrade(database.write_engine)
        assert await _nodes(database) == upper
        async with database.reader() as session:
            assert await root_at(session, 600) == mth(hashes)


async def test_0008_adds_levels_4_to_7_from_the_leaf_hashes(tmp_path: Path) -> None:
    async with Database(f"sqlite+aiosqlite:///{tmp_path / 'm8.db'}") as database:
        await _logged(database, 16_500)
        at_head = await _nodes(database)
        await _downgrade(database, "0007_prod")
        assert {level for level, _ in await _nodes(database)} == set(range(8, 15))
        await upgrade(database.write_engine)
        assert await _nodes(database) == at_head  # 16,500 leaves: chunks of 16,384 and a partial one
        assert {level for level, _ in at_head} == set(range(4, 15))
