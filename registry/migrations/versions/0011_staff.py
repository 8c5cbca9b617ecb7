"""Staff accounts of the console, their sessions and recovery codes, the per-role TOTP requirement (issue 16).

- ``staff_account``: login, organisation, role, Argon2id password hash, state, failed sign-ins and lockout,
  the TOTP secret (sealed) and the last time step used (no code is accepted twice).
- ``staff_session``: server-side sessions, keyed by the SHA-256 of the cookie; CSRF token; stage.
- ``staff_recovery_code``: SHA-256 of each one-time recovery code.
- ``staff_role_setting``: the roles whose accounts need a TOTP code to sign in.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from registry.migrations.shared import (
    create_table,
    forget_compat,
    id_reference,
    record_compat,
    surrogate_key,
    timestamp,
)

revision = "0011_staff"
down_revision = "0010_documents"


def upgrade() -> None:
    create_table(
        "staff_account",
        surrogate_key(),
        sa.Column("login", sa.String(length=24), nullable=False),
        sa.Column("org_code", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("failed_count", sa.Integer(), nullable=False),
        timestamp("locked_until", nullable=True),
        sa.Column("totp_sealed", sa.LargeBinary(length=128), nullable=True),
        sa.Column("totp_last_step", sa.Integer(), nullable=True),
        timestamp("created_at"),
        timestamp("password_changed_at"),
        unique=[("login",)],
    )
    create_table(
        "staff_session",
        sa.Column("id_hash", sa.LargeBinary(length=32), nullable=False),
        id_reference("account_id"),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.String(length=8), nullable=False),
        timestamp("created_at"),
        timestamp("last_seen_at"),
        timestamp("ended_at", nullable=True),
        key=("id_hash",),
        references={"account_id": "staff_account.id"},
    )
    op.create_index(op.f("ix_staff_session_account_id"), "staff_session", ["account_id"], unique=False)
    create_table(
        "staff_recovery_code",
        surrogate_key(),
        id_reference("account_id"),
        sa.Column("code_hash", sa.LargeBinary(length=32), nullable=False),
        timestamp("used_at", nullable=True),
        references={"account_id": "staff_account.id"},
    )
    op.create_index(op.f("ix_staff_recovery_code_account_id"), "staff_recovery_code", ["account_id"], unique=False)
    create_table(
        "staff_role_setting",
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.Column("totp_required", sa.Boolean(), nullable=False),
        timestamp("changed_at"),
        key=("role",),
    )
    # Only new tables: code of 0010_documents still serves this schema (it has no console), as schema_compat says.
    record_compat(revision, down_revision)


def downgrade() -> None:
    forget_compat(revision)
    op.drop_table("staff_role_setting")
    op.drop_index(op.f("ix_staff_recovery_code_account_id"), table_name="staff_recovery_code")
    op.drop_table("staff_recovery_code")
    op.drop_index(op.f("ix_staff_session_account_id"), table_name="staff_session")
    op.drop_table("staff_session")
    op.drop_table("staff_account")
