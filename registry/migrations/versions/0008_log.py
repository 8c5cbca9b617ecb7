"""The log stores Merkle nodes from level 4 up (was 8): add levels 4–7, computed from the events' leaf hashes.

Why: a proof recomputed the subtrees below the lowest stored level from up to two blocks of 256 leaf hashes
(276–333 rows read and hashed for a proof at 1M leaves, 44 % of a cold verify look-up; issue 12). With
blocks of 16 it reads at most 31. The leaf hashes are read in index order, a chunk of whole 256-leaf blocks
at a time, so memory stays flat whatever the log's size. Downgrading deletes levels 4–7 again. Frozen
history: the hashing is written out in the migrations (``registry/migrations/shared.py``), never imported from
live code.

Not additive for rolling upgrades (no ``schema_compat`` row): code of 0007_prod appends leaves without
storing levels 4–7, so a proof served by this code would then miss nodes. Upgrade every writer at once.

Create Date: 2026-12-05 23:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from registry.migrations.shared import leaf_hash_blocks, node_hash, store_nodes

revision = "0008_log"
down_revision = "0007_prod"

NEW_LOW = 4
OLD_LOW = 8
CHUNK = 64 * (1 << OLD_LOW)  # whole 256-leaf blocks: no node of level < 8 spans two chunks


def _pairs(hashes: list[bytes]) -> list[bytes]:
    return [node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes) - 1, 2)]


def nodes_of_chunk(start: int, leaves: list[bytes]) -> list[dict[str, object]]:
    """Nodes of levels 4–7 complete within ``leaves`` (leaf hashes from index ``start``, a multiple of 256)."""
    rows: list[dict[str, object]] = []
    level, current = 0, leaves
    while level < OLD_LOW - 1 and len(current) > 1:
        current = _pairs(current)
        level += 1
        if level >= NEW_LOW:
            rows += [{"level": level, "index": (start >> level) + i, "hash": h} for i, h in enumerate(current)]
    return rows


def upgrade() -> None:
    size = op.get_bind().execute(sa.text("SELECT coalesce(max(idx) + 1, 0) FROM event")).scalar_one()
    for start, leaves in leaf_hash_blocks(size, CHUNK):
        store_nodes(nodes_of_chunk(start, leaves))


def downgrade() -> None:
    op.execute(
        sa.text("DELETE FROM merkle_node WHERE level >= :low AND level < :old").bindparams(low=NEW_LOW, old=OLD_LOW)
    )
