"""Rolling upgrades: ``schema_compat`` records which older code may still serve a schema (registry/schema.py).

This migration only adds a table, so code of its ``down_revision`` serves its schema unchanged: it records
that about itself. Later additive migrations do the same with ``shared.record_compat`` (see docs/operations.md
"Upgrading").
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_prod"
down_revision = "0005_rules"


def upgrade() -> None:
    table = op.create_table(
        "schema_compat",
        sa.Column("revision", sa.String(64), primary_key=True),
        sa.Column("oldest_reader", sa.String(64), nullable=False),
    )
    op.bulk_insert(table, [{"revision": revision, "oldest_reader": down_revision}])


def downgrade() -> None:
    op.drop_table("schema_compat")
