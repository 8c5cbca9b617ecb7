"""The province's rules as data (docs/rules.md) and the print serial (NUMBERING.md "Print serial and reissue").

- ``filing_scope.kinds``: the certificate kinds a scope row allows (rule 1). Rows filed before say nothing,
  so they keep what they allowed until now: a project row special ability, an occupation row qualification
  and skill level. A province that knows better refiles them.
- ``filing_scope.consent_on``: the province centre's consent to a school's level 3 and above (rule 5a).
- ``filing.pilot``: a school's skill-level pilot filing, the one whose window the profile caps (rule 2).
- ``filing_status.subject_code/levels/kind``: a suspension of one occupation, level or category (004:42).
- ``ability_project.active_from``: the day a project left its pilot phase (rule 6).
- ``certificate_print``: every printing of a certificate with its print serial. Certificates issued before
  this revision have none: their issue events name no serial, and the audit expects none.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from registry.migrations.shared import create_table, surrogate_key, timestamp

revision = "0005_rules"
down_revision = "0004_event_append_only"


def upgrade() -> None:
    op.add_column("filing_scope", sa.Column("kinds", sa.String(length=64), nullable=True))
    op.add_column("filing_scope", sa.Column("consent_on", sa.Date(), nullable=True))
    op.execute("UPDATE filing_scope SET kinds = 'special_ability' WHERE subject_type = 'project'")
    op.execute("UPDATE filing_scope SET kinds = 'qualification,skill_level' WHERE subject_type <> 'project'")
    with op.batch_alter_table("filing_scope") as batch:
        batch.alter_column("kinds", existing_type=sa.String(length=64), nullable=False)
    op.add_column("filing", sa.Column("pilot", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("filing_status", sa.Column("subject_code", sa.String(length=32), nullable=True))
    op.add_column("filing_status", sa.Column("levels", sa.String(length=8), nullable=True))
    op.add_column("filing_status", sa.Column("kind", sa.String(length=24), nullable=True))
    op.add_column("ability_project", sa.Column("active_from", sa.Date(), nullable=True))
    create_table(
        "certificate_print",
        surrogate_key(),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("serial", sa.String(length=32), nullable=False),
        sa.Column("given", sa.Boolean(), nullable=False),
        sa.Column("replaces", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        timestamp("printed_at"),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        unique=[("serial",)],
    )
    op.create_index("ix_certificate_print_number", "certificate_print", ["number", "log_index"], unique=False)


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+ has it): a batch copy of ``filing`` would trip the foreign keys of the
    # rows that refer to it when the connection enforces them, as the registry's own engine does.
    op.drop_index("ix_certificate_print_number", table_name="certificate_print")
    op.drop_table("certificate_print")
    for table, column in (
        ("ability_project", "active_from"),
        ("filing_status", "kind"),
        ("filing_status", "levels"),
        ("filing_status", "subject_code"),
        ("filing", "pilot"),
        ("filing_scope", "consent_on"),
        ("filing_scope", "kinds"),
    ):
        op.drop_column(table, column)
