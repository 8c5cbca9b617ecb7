"""What several migrations do alike, in one place: the columns and named constraints of the tables they
create, the ``schema_compat`` row of an additive migration, the foreign keys that 0012 and 0013 drop (and
their downgrades restore) on both engines, and the Merkle nodes that 0003 and 0008 recompute from the events'
leaf hashes.

A migration is history: these helpers emit exactly the statements each migration wrote inline before
(the same text and parameters, checked statement by statement on SQLite and PostgreSQL when they moved
here). Changing what any of them emits changes every applied migration that calls it: add a revision
instead.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

#: The type of every surrogate key and of each column that refers to one: BIGINT, but INTEGER on SQLite, where
#: only an ``INTEGER PRIMARY KEY`` is the rowid that the database numbers.
ID_TYPE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def surrogate_key() -> sa.Column[int]:
    """The ``id`` column of a table whose rows the database numbers."""
    return sa.Column("id", ID_TYPE, autoincrement=True, nullable=False)


def id_reference(name: str, *, nullable: bool = False) -> sa.Column[int]:
    """A column holding the :func:`surrogate_key` of a row of another table."""
    return sa.Column(name, ID_TYPE, nullable=nullable)


def timestamp(name: str, *, nullable: bool = False) -> sa.Column[datetime]:
    """A moment, stored with its time zone."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def create_table(
    name: str,
    *columns: sa.Column[Any],
    key: tuple[str, ...] = ("id",),
    references: Mapping[str, str] | None = None,
    unique: Iterable[tuple[str, ...]] = (),
) -> None:
    """``op.create_table`` with the constraints named as the models' naming convention names them (``op.f``
    marks each name as final), in the order autogenerate wrote them: a foreign key
    ``fk_{table}_{column}_{referenced table}`` for each of ``references`` (column: ``"table.column"``), the
    primary key ``pk_{table}`` over ``key`` (by default the :func:`surrogate_key`), a unique constraint
    ``uq_{table}_{first column}`` for each of ``unique``."""
    constraints: list[sa.Constraint] = [
        sa.ForeignKeyConstraint([column], [target], name=op.f(f"fk_{name}_{column}_{target.split('.')[0]}"))
        for column, target in (references or {}).items()
    ]
    constraints.append(sa.PrimaryKeyConstraint(*key, name=op.f(f"pk_{name}")))
    constraints += [sa.UniqueConstraint(*group, name=op.f(f"uq_{name}_{group[0]}")) for group in unique]
    op.create_table(name, *columns, *constraints)


def record_compat(revision: str, oldest_reader: str) -> None:
    """``schema_compat``: code of ``oldest_reader`` still serves this revision's schema (registry/schema.py)."""
    op.execute(
        sa.text("INSERT INTO schema_compat (revision, oldest_reader) VALUES (:r, :o)").bindparams(
            r=revision, o=oldest_reader
        )
    )


def forget_compat(revision: str) -> None:
    op.execute(sa.text("DELETE FROM schema_compat WHERE revision = :r").bindparams(r=revision))


def is_sqlite() -> bool:
    return bool(op.get_bind().dialect.name == "sqlite")


class ForeignKeys:
    """The foreign keys of ``table`` that a migration drops: ``references`` are (column, referenced table,
    referenced column), named ``fk_{table}_{column}_{referenced table}`` as revision ``created_by`` named
    them. On SQLite ``which`` selects the table's row of ``sqlite_master`` (with ``params``) as the migration
    wrote it (:func:`sqlite_rewrite`)."""

    def __init__(
        self,
        table: str,
        references: tuple[tuple[str, str, str], ...],
        *,
        created_by: str,
        which: str,
        params: Mapping[str, str] | None = None,
    ) -> None:
        self.table = table
        self.references = references
        self.created_by = created_by
        self.which = which
        self.params = dict(params or {})

    def name(self, column: str, table: str) -> str:
        return f"fk_{self.table}_{column}_{table}"

    def _clause(self, column: str, table: str, key: str) -> str:
        return f"CONSTRAINT {self.name(column, table)} FOREIGN KEY({column}) REFERENCES {table} ({key})"

    def without_keys(self, created: str) -> str:
        """``created`` (a stored ``CREATE TABLE``) without the keys' clauses."""
        for column, table, key in self.references:
            created, found = re.subn(rf",\s*{re.escape(self._clause(column, table, key))}", "", created)
            if found != 1:
                name = self.name(column, table)
                raise RuntimeError(f"{self.table}: foreign key {name} not found as {self.created_by} created it")
        return created

    def with_keys(self, created: str) -> str:
        """``created`` with the keys' clauses appended, as SQLite stores a table's constraints."""
        clauses = "".join(f", \n\t{self._clause(column, table, key)}" for column, table, key in self.references)
        body, closing = created.rsplit(")", 1)
        return f"{body.rstrip()}{clauses}\n){closing}"

    def drop(self) -> None:
        """Drop the keys: by name on PostgreSQL, from the stored table definition on SQLite."""
        if is_sqlite():
            sqlite_rewrite(self.without_keys, which=self.which, params=self.params)
            return
        for column, table, _ in self.references:
            op.drop_constraint(self.name(column, table), self.table, type_="foreignkey")

    def restore(self) -> None:
        """Create the keys again, as :meth:`drop` dropped them (a downgrade)."""
        if is_sqlite():
            sqlite_rewrite(self.with_keys, which=self.which, params=self.params)
            return
        for column, table, key in self.references:
            op.create_foreign_key(self.name(column, table), self.table, table, [column], [key])


def sqlite_rewrite(change: Callable[[str], str], *, which: str, params: Mapping[str, str]) -> None:
    """Change a stored ``CREATE TABLE`` text in place: SQLite's documented procedure for removing (or
    restoring) foreign keys, which it keeps only in that text ("Making Other Kinds Of Table Schema Changes",
    sqlite.org/lang_altertable.html). A batch copy instead would ``DROP`` the table, and with foreign keys on,
    its implicit ``DELETE`` fails on every row that references it; it also copies a table that may be large.

    ``which`` selects the table's row of ``sqlite_master`` (with ``params``) as each migration wrote it.
    """
    bind = op.get_bind()
    select = f"SELECT sql FROM sqlite_master WHERE type = 'table' AND {which}"  # noqa: S608 - a migration's constant
    created = bind.execute(sa.text(select), dict(params))
    version = int(bind.execute(sa.text("PRAGMA schema_version")).scalar_one())
    bind.execute(sa.text("PRAGMA writable_schema = ON"))
    bind.execute(
        sa.text(f"UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND {which}"),  # noqa: S608 - as above
        {"sql": change(str(created.scalar_one())), **params},
    )
    bind.execute(sa.text(f"PRAGMA schema_version = {version + 1}"))
    bind.execute(sa.text("PRAGMA writable_schema = OFF"))


#: The log's stored nodes, as 0003 and 0008 write them.
MERKLE_NODE = sa.table(
    "merkle_node",
    sa.column("level", sa.SmallInteger),
    sa.column("index", sa.BigInteger),
    sa.column("hash", sa.LargeBinary),
)


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962's interior node: SHA-256 of 0x01, the left and the right child (written out here: frozen)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def leaf_hash_blocks(size: int, block: int) -> Iterator[tuple[int, list[bytes]]]:
    """The events' leaf hashes of indexes ``[0, size)`` in index order, ``block`` at a time, as (first index,
    hashes): memory stays flat whatever the log's size."""
    bind = op.get_bind()
    for start in range(0, size, block):
        found = bind.execute(
            sa.text("SELECT leaf_hash FROM event WHERE idx >= :a AND idx < :b ORDER BY idx"),
            {"a": start, "b": start + block},
        )
        yield start, [bytes(h) for h in found.scalars()]


def store_nodes(rows: list[dict[str, object]]) -> None:
    """Insert ``rows`` (``level``, ``index``, ``hash``) into ``merkle_node``, if there are any."""
    if rows:
        op.get_bind().execute(sa.insert(MERKLE_NODE), rows)
