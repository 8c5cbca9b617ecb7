"""Least privilege on PostgreSQL (``certreg db roles``): three roles, so that no running process can change
the schema or rewrite history.

* **owner** (the migration job only): owns the schema, the tables and the append-only trigger; runs
  ``certreg db upgrade``. Never the app's role: an owner can disable a trigger.
* **issuer** (the all-in-one app, the operator CLI): reads and writes rows, but no DDL (no ``CREATE`` on the
  schema, owns nothing) and no ``UPDATE``, ``DELETE`` or ``TRUNCATE`` on the log's tables (``event``,
  ``merkle_node``, ``checkpoint``): refused by grants as well as by the trigger of
  :mod:`registry.append_only` (docs/rules.md rule 11). Nor may it touch ``alembic_version`` or ``schema_compat``.
* **verify** (verify replicas): ``SELECT`` only, and every transaction read-only by default.

Default privileges make tables that later migrations create readable by both roles and writable by the
issuer; a new append-only table must be added to :data:`APPEND_ONLY`. Running it again is harmless (each
statement is idempotent), and it must run as a superuser (it hands the existing tables to the owner).
"""

from __future__ import annotations

import re
from typing import Final

from registry.config import SettingsError

#: Tables whose rows are never changed or removed: the events and the Merkle log built on them.
APPEND_ONLY: Final = ("event", "merkle_node", "checkpoint")
#: Tables the issuer reads but never writes.
READ_ONLY_FOR_ISSUER: Final = ("alembic_version", "schema_compat")

_ROLE_NAME: Final = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def check_role_name(name: str) -> str:
    if not _ROLE_NAME.fullmatch(name):
        raise SettingsError(f"角色名无效 / bad role name {name!r}: lower-case letters, digits and _, at most 63")
    return name


def _literal(text: str) -> str:
    if "\x00" in text:
        raise SettingsError("口令含有 NUL 字符 / a password may not contain NUL")
    return "'" + text.replace("'", "''") + "'"


def _ensure_role(name: str, password: str | None) -> list[str]:
    statements = [
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') "
        f"THEN CREATE ROLE {name} LOGIN; END IF; END $$",
        f"ALTER ROLE {name} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS",
    ]
    if password is not None:
        statements.append(f"ALTER ROLE {name} PASSWORD {_literal(password)}")
    return statements


def _revoke_where_made(tables: tuple[str, ...], privileges: str, role: str) -> list[str]:
    """Revoke ``privileges`` on those of ``tables`` the migrations have made. The first ``db roles`` of a
    deployment runs on an empty database (docs/operations.md: roles, then ``db upgrade`` as the owner, then
    roles again): a plain ``REVOKE … ON event`` stopped it with 'relation "event" does not exist', so the owner
    the upgrade must run as could not be made."""
    names = ", ".join(f"'{table}'" for table in tables)
    return [
        f"""DO $$ DECLARE t text; BEGIN
    FOREACH t IN ARRAY ARRAY[{names}] LOOP
        IF to_regclass(format('public.%I', t)) IS NOT NULL THEN
            EXECUTE format('REVOKE {privileges} ON public.%I FROM {role}', t);
        END IF;
    END LOOP;
END $$"""
    ]


def role_statements(owner: str, issuer: str, verify: str, passwords: dict[str, str | None] | None = None) -> list[str]:
    """The SQL that creates or corrects the three roles on the current database (run as a superuser)."""
    for name in (owner, issuer, verify):
        check_role_name(name)
    if len({owner, issuer, verify}) != 3:
        raise SettingsError("三个角色须不同 / the owner, issuer and verify roles must be three different roles")
    passwords = passwords or {}
    return [
        *_ensure_role(owner, passwords.get(owner)),
        *_ensure_role(issuer, passwords.get(issuer)),
        *_ensure_role(verify, passwords.get(verify)),
        f"ALTER ROLE {verify} SET default_transaction_read_only = on",
        # nobody but the owner creates anything in the schema (PostgreSQL < 15 let every role)
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        f"ALTER SCHEMA public OWNER TO {owner}",
        # everything the migrations made so far (as whoever ran them) now belongs to the owner
        f"""DO $$ DECLARE r record; BEGIN
    FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
        EXECUTE format('ALTER TABLE public.%I OWNER TO {owner}', r.tablename);
    END LOOP;
    FOR r IN SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' LOOP
        EXECUTE format('ALTER SEQUENCE public.%I OWNER TO {owner}', r.sequencename);
    END LOOP;
    FOR r IN SELECT p.oid::regprocedure AS f FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'public' LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO {owner}', r.f);
    END LOOP;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO {owner}, {issuer}, {verify}', current_database());
END $$""",  # noqa: S608 - role names are checked by check_role_name, no value comes from outside
        f"GRANT USAGE ON SCHEMA public TO {issuer}, {verify}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {issuer}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {issuer}",
        *_revoke_where_made(APPEND_ONLY, "UPDATE, DELETE, TRUNCATE", issuer),
        *_revoke_where_made(READ_ONLY_FOR_ISSUER, "INSERT, UPDATE, DELETE, TRUNCATE", issuer),
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {verify}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {verify}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {issuer}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {issuer}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public GRANT SELECT ON TABLES TO {verify}",
    ]
