"""The event table becomes append-only in the database: UPDATE, DELETE and TRUNCATE are refused by triggers.

Revision ID: 0004_event_append_only
Revises: 0003_log
"""

from __future__ import annotations

from alembic import op

from registry.append_only import install_statements, remove_statements

revision = "0004_event_append_only"
down_revision = "0003_log"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in install_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in remove_statements(op.get_bind().dialect.name):
        op.execute(statement)
