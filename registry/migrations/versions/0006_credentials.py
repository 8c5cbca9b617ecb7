"""Standards credentials (docs/credentials.md): each certificate's signed VC and the signed status lists.

- ``certificate_credential``: the RFC 8785 bytes of a certificate's signed ``OpenBadgeCredential``, its
  status value (scope ``status:{authority}``) as list and index, the key and the leaf of the event that
  commits to it. Certificates issued before this revision have none until ``certreg credentials backfill``.
- ``status_list``: per authority and list, the bits and the signed ``BitstringStatusListCredential``.

Only tables are added: code of the previous revision still serves this schema (it never reads them), as
``schema_compat`` records (rolling upgrades, registry/schema.py). Numbered 0006 as reserved for issue 18 but
chained after 0008_log, which landed first.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from registry.migrations.shared import create_table, forget_compat, record_compat, timestamp

revision = "0006_credentials"
down_revision = "0008_log"


def upgrade() -> None:
    create_table(
        "certificate_credential",
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("authority_code", sa.String(length=16), nullable=False),
        sa.Column("status_value", sa.BigInteger(), nullable=False),
        sa.Column("status_list", sa.Integer(), nullable=False),
        sa.Column("status_index", sa.Integer(), nullable=False),
        sa.Column("kid", sa.String(length=11), nullable=False),
        sa.Column("credential", sa.LargeBinary(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        timestamp("created_at"),
        key=("number",),
        references={"number": "certificate.number", "authority_code": "authority.code", "kid": "public_key.kid"},
    )
    op.create_index(
        "ux_certificate_credential_status",
        "certificate_credential",
        ["authority_code", "status_list", "status_index"],
        unique=True,
    )
    create_table(
        "status_list",
        sa.Column("authority_code", sa.String(length=16), nullable=False),
        sa.Column("list_number", sa.Integer(), nullable=False),
        sa.Column("bits", sa.LargeBinary(), nullable=False),
        sa.Column("kid", sa.String(length=11), nullable=False),
        sa.Column("credential", sa.LargeBinary(), nullable=False),
        timestamp("updated_at"),
        key=("authority_code", "list_number"),
        references={"authority_code": "authority.code", "kid": "public_key.kid"},
    )
    record_compat(revision, down_revision)


def downgrade() -> None:
    forget_compat(revision)
    op.drop_table("status_list")
    op.drop_index("ux_certificate_credential_status", table_name="certificate_credential")
    op.drop_table("certificate_credential")
