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

Revision ID: 0013_issue_speed
Revises: 0012_references
"""

from __future__ import annotations

import re
from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = "0013_issue_speed"
down_revision = "0012_references"
branch_labels = None
depends_on = None

TABLE = "certificate_credential"
#: (column, referenced table, referenced column) of each dropped key, named as 0006 named them.
_REFERENCES = (
    ("number", "certificate", "number"),
    ("authority_code", "authority", "code"),
    ("kid", "public_key", "kid"),
)


def _name(column: str, table: str) -> str:
    return f"fk_{TABLE}_{column}_{table}"


def _clause(column: str, table: str, key: str) -> str:
    return f"CONSTRAINT {_name(column, table)} FOREIGN KEY({column}) REFERENCES {table} ({key})"


def _sqlite_rewrite(change: Callable[[str], str]) -> None:
    """Change the stored ``CREATE TABLE`` text in place (SQLite keeps foreign keys only there; see 0012 for
    why not a batch copy of the table)."""
    bind = op.get_bind()
    created = bind.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t"), {"t": TABLE})
    version = int(bind.execute(sa.text("PRAGMA schema_version")).scalar_one())
    bind.execute(sa.text("PRAGMA writable_schema = ON"))
    bind.execute(
        sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = :t"),
        {"sql": change(str(created.scalar_one())), "t": TABLE},
    )
    bind.execute(sa.text(f"PRAGMA schema_version = {version + 1}"))
    bind.execute(sa.text("PRAGMA writable_schema = OFF"))


def _without_keys(created: str) -> str:
    for column, table, key in _REFERENCES:
        created, found = re.subn(rf",\s*{re.escape(_clause(column, table, key))}", "", created)
        if found != 1:
            raise RuntimeError(f"{TABLE}: foreign key {_name(column, table)} not found as 0006 created it")
    return created


def _with_keys(created: str) -> str:
    clauses = "".join(f", \n\t{_clause(column, table, key)}" for column, table, key in _REFERENCES)
    body, closing = created.rsplit(")", 1)
    return f"{body.rstrip()}{clauses}\n){closing}"


def _has_lz4() -> bool:
    """Whether this PostgreSQL server was built with lz4 (14 and later offer it as a TOAST compression)."""
    found = op.get_bind().execute(
        sa.text("SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)")
    )
    return found.first() is not None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rewrite(_without_keys)
    else:
        for column, table, _ in _REFERENCES:
            op.drop_constraint(_name(column, table), TABLE, type_="foreignkey")
        if _has_lz4():
            op.execute(f"ALTER TABLE {TABLE} ALTER COLUMN credential SET COMPRESSION lz4")
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
        op.create_foreign_key(_name(column, table), TABLE, table, [column], [key])
    if _has_lz4():
        op.execute(f"ALTER TABLE {TABLE} ALTER COLUMN credential SET COMPRESSION default")
