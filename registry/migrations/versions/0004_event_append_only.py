"""The event table becomes append-only in the database: UPDATE, DELETE and TRUNCATE are refused by triggers.

The SQL is written here, not imported from ``registry.append_only``: a migration is history and must run the
same statements forever, whatever later code does (``registry.append_only`` keeps its own copy of the SQLite
triggers, which it drops and re-creates to wipe scratch databases; ``tests/integration/registry/test_append_only.py``
checks the two agree).
"""

from __future__ import annotations

from alembic import op

revision = "0004_event_append_only"
down_revision = "0003_log"

_MESSAGE = "事件表只能追加 / the event table is append-only"

_PG_INSTALL = (
    f"""CREATE OR REPLACE FUNCTION certreg_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{_MESSAGE}: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$""",
    """CREATE TRIGGER event_append_only BEFORE UPDATE OR DELETE ON event
    FOR EACH ROW EXECUTE FUNCTION certreg_event_append_only()""",
    """CREATE TRIGGER event_append_only_truncate BEFORE TRUNCATE ON event
    FOR EACH STATEMENT EXECUTE FUNCTION certreg_event_append_only()""",
)
_PG_REMOVE = (
    "DROP TRIGGER IF EXISTS event_append_only_truncate ON event",
    "DROP TRIGGER IF EXISTS event_append_only ON event",
    "DROP FUNCTION IF EXISTS certreg_event_append_only()",
)
_SQLITE_INSTALL = (
    f"CREATE TRIGGER event_no_update BEFORE UPDATE ON event BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END",
    f"CREATE TRIGGER event_no_delete BEFORE DELETE ON event BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END",
)
_SQLITE_REMOVE = ("DROP TRIGGER IF EXISTS event_no_update", "DROP TRIGGER IF EXISTS event_no_delete")


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in _PG_INSTALL if postgresql else _SQLITE_INSTALL:
        op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in _PG_REMOVE if postgresql else _SQLITE_REMOVE:
        op.execute(statement)
