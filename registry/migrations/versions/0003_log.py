"""The log stores Merkle nodes from level 8 up only: drop levels 0–7 (recomputed from leaf hashes on demand).

Level 0 duplicated ``event.leaf_hash`` and levels 1–7 are cheaper to recompute from at most 256 leaf hashes
than to write on every append (see ``registry/log/tree.py``). Downgrading recomputes them from the events.

Create Date: 2026-11-24 22:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from registry.migrations.shared import leaf_hash_blocks, node_hash, store_nodes

revision = "0003_log"
down_revision = "0002_batches"

LOW_LEVELS = 8


def upgrade() -> None:
    op.execute(sa.text("DELETE FROM merkle_node WHERE level < :low").bindparams(low=LOW_LEVELS))


def _low_nodes(start: int, hashes: list[bytes]) -> list[dict[str, object]]:
    """Nodes of levels 0–7 that are complete within one block of leaf hashes starting at ``start``."""
    rows: list[dict[str, object]] = []
    level, current, first = 0, hashes, start
    while level < LOW_LEVELS and current:
        rows += [{"level": level, "index": (first >> level) + i, "hash": h} for i, h in enumerate(current)]
        paired = len(current) // 2 * 2
        current = [node_hash(current[i], current[i + 1]) for i in range(0, paired, 2)]
        level += 1
    return rows


def downgrade() -> None:
    size = op.get_bind().execute(sa.text("SELECT count(*) FROM event")).scalar_one()
    for start, hashes in leaf_hash_blocks(size, 1 << LOW_LEVELS):
        store_nodes(_low_nodes(start, hashes))
