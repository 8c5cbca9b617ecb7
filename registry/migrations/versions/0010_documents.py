"""Files built once per batch and kept: ``built_artefact`` (issue 15, phase 2; ``docs/certificates.md``).

One row per kept file of the file store: batch, kind (``qr_zip``, ``certificates_zip``, ``certificates_pdf``),
variant, the batch revision it reflects, SHA-256, size, file name, counts. Additive: code of 0009_identity
still serves this schema (it never reads the table), as schema_compat records.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from registry.migrations.shared import forget_compat, id_reference, record_compat, surrogate_key, timestamp

revision = "0010_documents"
down_revision = "0009_identity"


def upgrade() -> None:
    op.create_table(  # not create_table: the unique constraint's name is not the convention's
        "built_artefact",
        surrogate_key(),
        id_reference("batch_id"),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("variant", sa.String(length=16), nullable=False),
        sa.Column("revision", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.LargeBinary(length=32), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("file_name", sa.String(length=128), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("rendered", sa.Integer(), nullable=False),
        timestamp("built_at"),
        sa.ForeignKeyConstraint(["batch_id"], ["batch.id"], name=op.f("fk_built_artefact_batch_id_batch")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_built_artefact")),
        sa.UniqueConstraint("batch_id", "kind", "variant", name="uq_built_artefact_batch_kind_variant"),
    )
    record_compat(revision, down_revision)


def downgrade() -> None:
    forget_compat(revision)
    op.drop_table("built_artefact")
