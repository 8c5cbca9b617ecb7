"""The certificate's four shared references lose their foreign keys: checked per batch and by the audit instead.

Why (issue 12): ``COPY`` into ``certificate`` paid four row-by-row foreign-key checks (institution, authority,
batch, signing key) — 7.25 s for 100,000 rows with them, 2.03 s without — although every row of a stored
batch carries the same few values. The issuing transaction now checks (and key-share locks) those values once
per batch before the rows are written (``registry.certificates.require_references``), and ``certreg audit``
checks every stored reference set-wise (``registry.audit.references``). ``holder_identity_id`` keeps its key
(it is set by one UPDATE after the batch, not by ``COPY``).

SQLite loses the same four (its stored table definition is rewritten in place, see ``_sqlite_rewrite``), so
that the models describe one schema on both engines.

Code of the previous revision still serves this schema — it writes the same references, only with fewer
constraints behind them — as the ``schema_compat`` row records.

Revision ID: 0012_references
Revises: 0011_staff
"""

from __future__ import annotations

import re
from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = "0012_references"
down_revision = "0011_staff"
branch_labels = None
depends_on = None

#: (column, referenced table, referenced column) of each dropped key, named as 0001 named them.
_REFERENCES = (
    ("authority_code", "authority", "code"),
    ("batch_id", "batch", "id"),
    ("institution_code", "institution", "code"),
    ("kid", "public_key", "kid"),
)


def _name(column: str, table: str) -> str:
    return f"fk_certificate_{column}_{table}"


def _clause(column: str, table: str, key: str) -> str:
    return f"CONSTRAINT {_name(column, table)} FOREIGN KEY({column}) REFERENCES {table} ({key})"


def _sqlite_rewrite(change: Callable[[str], str]) -> None:
    """Change the stored ``CREATE TABLE certificate`` text in place: SQLite's documented procedure for
    removing (or restoring) foreign keys, which it keeps only in that text ("Making Other Kinds Of Table
    Schema Changes", sqlite.org/lang_altertable.html). A batch copy instead would ``DROP`` the table, and
    with foreign keys on, its implicit ``DELETE`` fails on every ``certificate_credential`` row; it also
    copies a table that may be large."""
    bind = op.get_bind()
    created = bind.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'certificate'"))
    version = int(bind.execute(sa.text("PRAGMA schema_version")).scalar_one())
    bind.execute(sa.text("PRAGMA writable_schema = ON"))
    bind.execute(
        sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = 'certificate'"),
        {"sql": change(str(created.scalar_one()))},
    )
    bind.execute(sa.text(f"PRAGMA schema_version = {version + 1}"))
    bind.execute(sa.text("PRAGMA writable_schema = OFF"))


def _without_keys(created: str) -> str:
    for column, table, key in _REFERENCES:
        created, found = re.subn(rf",\s*{re.escape(_clause(column, table, key))}", "", created)
        if found != 1:
            raise RuntimeError(f"certificate: foreign key {_name(column, table)} not found as 0001 created it")
    return created


def _with_keys(created: str) -> str:
    clauses = "".join(f", \n\t{_clause(column, table, key)}" for column, table, key in _REFERENCES)
    body, closing = created.rsplit(")", 1)
    return f"{body.rstrip()}{clauses}\n){closing}"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rewrite(_without_keys)
    else:
        for column, table, _ in _REFERENCES:
            op.drop_constraint(_name(column, table), "certificate", type_="foreignkey")
    op.execute(
        sa.text("INSERT INTO schema_compat (revision, oldest_reader) VALUES (:r, :o)").bindparams(
            r=revision, o=down_revision
        )
    )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM schema_compat WHERE revision = :r").bindparams(r=revision))
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rewrite(_with_keys)
        return
    for column, table, key in _REFERENCES:
        op.create_foreign_key(_name(column, table), "certificate", table, [column], [key])
