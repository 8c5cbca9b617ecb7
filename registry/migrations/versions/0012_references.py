"""The certificate's four shared references lose their foreign keys: checked per batch and by the audit instead.

Why (issue 12): ``COPY`` into ``certificate`` paid four row-by-row foreign-key checks (institution, authority,
batch, signing key) — 7.25 s for 100,000 rows with them, 2.03 s without — although every row of a stored
batch carries the same few values. The issuing transaction now checks (and key-share locks) those values once
per batch before the rows are written (``registry.certificates.require_references``), and ``certreg audit``
checks every stored reference set-wise (``registry.audit.references``). ``holder_identity_id`` keeps its key
(it is set by one UPDATE after the batch, not by ``COPY``).

SQLite loses the same four (its stored table definition is rewritten in place, see ``registry.migrations.shared.sqlite_rewrite``), so
that the models describe one schema on both engines.

Code of the previous revision still serves this schema — it writes the same references, only with fewer
constraints behind them — as the ``schema_compat`` row records.
"""

from __future__ import annotations

from registry.migrations.shared import ForeignKeys, forget_compat, record_compat

revision = "0012_references"
down_revision = "0011_staff"

#: (column, referenced table, referenced column) of each dropped key, named as 0001 named them.
KEYS = ForeignKeys(
    "certificate",
    (
        ("authority_code", "authority", "code"),
        ("batch_id", "batch", "id"),
        ("institution_code", "institution", "code"),
        ("kid", "public_key", "kid"),
    ),
    created_by="0001",
    which="name = 'certificate'",
)


def upgrade() -> None:
    KEYS.drop()
    record_compat(revision, down_revision)


def downgrade() -> None:
    forget_compat(revision)
    KEYS.restore()
