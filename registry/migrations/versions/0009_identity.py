"""Holder identities with the document number sealed, and the data keys that seal them (issue 13, phase 2).

- ``data_key``: data keys wrapped by the key-encryption key (``docs/identity.md``), with how many values each
  sealed (the lifetime policy's count).
- ``holder_identity``: one holder document — type, number sealed under a data key, keyed look-up index,
  masked form, implied gender, sealed photo (optional).
- ``batch_row.holder_identity_id`` and ``certificate.holder_identity_id``: the identity of a row and of a
  certificate. Rows and certificates stored before this revision have none: the registry never held their
  full numbers (only the keyed digest and the mask, which stay as they are).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from registry.migrations.shared import create_table, forget_compat, record_compat, timestamp

revision = "0009_identity"
down_revision = "0006_credentials"


def upgrade() -> None:
    create_table(
        "data_key",
        sa.Column("dk_id", sa.String(length=22), nullable=False),
        sa.Column("kek_id", sa.String(length=11), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(length=72), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("sealed_count", sa.Integer(), nullable=False),
        key=("dk_id",),
    )
    op.create_index(op.f("ix_data_key_created_on"), "data_key", ["created_on"], unique=False)
    create_table(
        "holder_identity",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("document_type", sa.String(length=32), nullable=False),
        sa.Column("number_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("index_digest", sa.LargeBinary(length=32), nullable=False),
        sa.Column("masked", sa.String(length=20), nullable=False),
        sa.Column("gender", sa.String(length=8), nullable=True),
        sa.Column("photo_sealed", sa.LargeBinary(), nullable=True),
        timestamp("created_at"),
    )
    op.create_index(op.f("ix_holder_identity_index_digest"), "holder_identity", ["index_digest"], unique=False)
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in ("batch_row", "certificate"):
        if sqlite:  # SQLite adds a column with its reference in place; a batch copy of a large table is slow
            op.execute(f"ALTER TABLE {table} ADD COLUMN holder_identity_id VARCHAR(32) REFERENCES holder_identity (id)")
            continue
        op.add_column(table, sa.Column("holder_identity_id", sa.String(length=32), nullable=True))
        op.create_foreign_key(
            op.f(f"fk_{table}_holder_identity_id_holder_identity"),
            table,
            "holder_identity",
            ["holder_identity_id"],
            ["id"],
        )
    # Only tables and nullable columns are added: code of 0006_credentials still serves this schema (its rows
    # simply carry no sealed identity, like every row stored before), as schema_compat records.
    record_compat(revision, down_revision)


def downgrade() -> None:
    forget_compat(revision)
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in ("certificate", "batch_row"):
        if sqlite:  # SQLite drops no column that a reference uses: copy the table without it
            with op.batch_alter_table(table) as batch:
                batch.drop_column("holder_identity_id")
            continue
        op.drop_constraint(op.f(f"fk_{table}_holder_identity_id_holder_identity"), table, type_="foreignkey")
        op.drop_column(table, "holder_identity_id")
    op.drop_index(op.f("ix_holder_identity_index_digest"), table_name="holder_identity")
    op.drop_table("holder_identity")
    op.drop_index(op.f("ix_data_key_created_on"), table_name="data_key")
    op.drop_table("data_key")
