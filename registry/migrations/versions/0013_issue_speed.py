"""A credential's three references lose their foreign keys (checked per stored set and by the audit instead), and
its bytes are compressed by lz4.

Why (issue 12): ``COPY`` into ``certificate_credential`` paid three row-by-row foreign-key checks (its
certificate, authority and key): 22–27 s of an 88–106 s issue of 100,000 rows under load, the largest single
cost of issuing, although every credential of an issue names the authority and key of its batch and the
certificate stored in the same transaction just before it. The issuing transaction now checks those values
once per stored set (``registry.certificates.require_credential_references``, which key-share locks the
authority and key rows as the foreign keys did) and ``certreg audit`` checks every stored credential's
references set-wise (``registry.audit.references``), as migration 0012 did for the certificate's own.

On PostgreSQL the ``credential`` bytes (2.3 KB each, so TOAST-compressed in line) are compressed by lz4 from
now on instead of pglz: a ``COPY`` of 100,000 of them took 2.3 s against 5.9–7.7 s, and the rows are smaller
(measured on this machine, issue 12). Rows stored before keep pglz; PostgreSQL reads both. A server built
without lz4 keeps pglz.

SQLite loses the same three (its stored table definition is rewritten in place, as 0012 does for
``certificate``), so that the models describe one schema on both engines.

Code of the previous revision still serves this schema — it writes the same references, only with fewer
constraints behind them — as the ``schema_compat`` row records.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from registry.migrations.shared import ForeignKeys, forget_compat, is_sqlite, record_compat

revision = "0013_issue_speed"
down_revision = "0012_references"

TABLE = "certificate_credential"
#: (column, referenced table, referenced column) of each dropped key, named as 0006 named them.
KEYS = ForeignKeys(
    TABLE,
    (
        ("number", "certificate", "number"),
        ("authority_code", "authority", "code"),
        ("kid", "public_key", "kid"),
    ),
    created_by="0006",
    which="name = :t",
    params={"t": TABLE},
)


def _has_lz4() -> bool:
    """Whether this PostgreSQL server was built with lz4 (14 and later offer it as a TOAST compression)."""
    found = op.get_bind().execute(
        sa.text("SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)")
    )
    return found.first() is not None


def upgrade() -> None:
    KEYS.drop()
    if not is_sqlite() and _has_lz4():
        op.execute(f"ALTER TABLE {TABLE} ALTER COLUMN credential SET COMPRESSION lz4")
    record_compat(revision, down_revision)


def downgrade() -> None:
    forget_compat(revision)
    KEYS.restore()
    if not is_sqlite() and _has_lz4():
        op.execute(f"ALTER TABLE {TABLE} ALTER COLUMN credential SET COMPRESSION default")
