"""Batches: index batch rows by holder, for the import's duplicate check against batches not yet issued."""

from __future__ import annotations

from alembic import op

revision = "0002_batches"
down_revision = "0001"


def upgrade() -> None:
    op.create_index("ix_batch_row_holder", "batch_row", ["holder_id_digest", "subject_code", "level"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_batch_row_holder", table_name="batch_row")
