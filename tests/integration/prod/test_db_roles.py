"""``certreg db roles`` on PostgreSQL: each role can do its job and nothing more (issue 17). The issuer's
limits on the log's tables hold by grants *and* by the trigger: the grant refusal is checked by its message
("permission denied for table"), which the trigger's refusal ("append-only") does not carry."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from issuer.cli import main
from registry.db import one_off_engine
from registry.dbroles import APPEND_ONLY
from tests.conftest import PG_ADMIN_URL, require_service, run_id
from tests.support import create_pg_database, drop_pg_database, migrated_pg_database

pytestmark = pytest.mark.postgres


class Roles:
    def __init__(self, url: str, prefix: str) -> None:
        self.url = url
        self.owner, self.issuer, self.verify = (f"{prefix}_{r}" for r in ("owner", "issuer", "verify"))

    def as_role(self, role: str) -> str:
        """The database URL of ``role`` (the test server trusts local connections; passwords are set anyway)."""
        return self.url.replace("postgres@", f"{role}:pw-{role}@", 1)


@pytest.fixture
def roles(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Roles]:
    require_service("PostgreSQL", PG_ADMIN_URL)
    name = f"certreg_roles_{run_id(request.config)}"
    prefix = "t" + hashlib.sha256(name.encode()).hexdigest()[:8]
    url = asyncio.run(migrated_pg_database(PG_ADMIN_URL, name))
    made = Roles(url, prefix)
    try:
        args = ["db", "roles", "--owner", made.owner, "--issuer", made.issuer, "--verify", made.verify]
        for role, option in ((made.owner, "--owner"), (made.issuer, "--issuer"), (made.verify, "--verify")):
            secret = tmp_path / f"{role}.pw"
            secret.write_text(f"pw-{role}\n")
            args += [f"{option}-password-file", str(secret)]
        for _ in range(2):  # running it twice changes nothing
            result = CliRunner().invoke(main, args, env={"CERTREG_DATABASE_URL": url})
            assert result.exit_code == 0, result.output + str(result.exception)
        yield made
    finally:
        asyncio.run(drop_pg_database(PG_ADMIN_URL, name))
        asyncio.run(_drop_roles(made))


async def _drop_roles(roles: Roles) -> None:
    async with one_off_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT") as admin, admin.connect() as conn:
        for role in (roles.verify, roles.issuer, roles.owner):
            await conn.execute(text(f"DROP ROLE IF EXISTS {role}"))


async def _run(url: str, *statements: str) -> object:
    """Run ``statements`` in one transaction as ``url``'s role; the last one's first value."""
    async with one_off_engine(url) as engine, engine.begin() as conn:
        result = None
        for statement in statements:
            result = await conn.execute(text(statement))
        return result.first() if result is not None and result.returns_rows else None


def refused(url: str, statement: str) -> str:
    """The error text of ``statement`` as ``url``'s role; fails the test when it succeeds."""
    with pytest.raises(DBAPIError) as caught:
        asyncio.run(_run(url, statement))
    return str(caught.value.orig)


def test_issuer_writes_rows_but_no_ddl_and_never_rewrites_the_log(roles: Roles) -> None:
    issuer = roles.as_role(roles.issuer)
    asyncio.run(_run(issuer, "SELECT count(*) FROM event", "UPDATE batch SET state = state WHERE false"))
    asyncio.run(
        _run(
            issuer,
            "INSERT INTO event (idx, at, actor, kind, subject, reason, data, leaf_hash) "
            "SELECT 1000000, now(), 'test', 'test.probe', 'x', '', '\\x00'::bytea, '\\x00'::bytea WHERE false",
        )
    )
    for table in APPEND_ONLY:
        for statement in (f"UPDATE {table} SET {_column(table)} = {_column(table)}", f"DELETE FROM {table}"):
            assert "permission denied for table" in refused(issuer, statement), statement
        assert "permission denied for table" in refused(issuer, f"TRUNCATE {table}")
    assert "permission denied for table" in refused(issuer, "UPDATE alembic_version SET version_num = 'x'")
    assert "permission denied for schema public" in refused(issuer, "CREATE TABLE sneaky (id int)")
    assert "must be owner" in refused(issuer, "ALTER TABLE event DISABLE TRIGGER event_append_only")
    assert "must be owner" in refused(issuer, "DROP TABLE certificate")
    assert "permission denied" in refused(issuer, "SET session_replication_role = replica")


def test_verify_role_only_reads(roles: Roles) -> None:
    verify = roles.as_role(roles.verify)
    assert asyncio.run(_run(verify, "SELECT count(*) FROM certificate")) == (0,)
    for statement in (
        "INSERT INTO region (code, name) VALUES ('999999', 'x')",
        "UPDATE certificate SET number = number",
        "DELETE FROM api_key",
        "CREATE TABLE sneaky (id int)",
    ):
        message = refused(verify, statement)
        assert "read-only transaction" in message or "permission denied" in message, statement
    # read-only by grants too, not only by the session default it could switch off
    with pytest.raises(DBAPIError) as caught:
        asyncio.run(_run(verify, "SET TRANSACTION READ WRITE", "DELETE FROM api_key"))
    assert "permission denied for table api_key" in str(caught.value.orig)


def test_owner_owns_the_schema_and_is_nothing_more(roles: Roles) -> None:
    owner = roles.as_role(roles.owner)
    asyncio.run(_run(owner, "CREATE TABLE owner_probe (id int)", "DROP TABLE owner_probe"))
    owned = asyncio.run(
        _run(
            PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + roles.url.rsplit("/", 1)[1],
            f"SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner <> '{roles.owner}'",
        )
    )
    assert owned == (0,), "every table belongs to the owner"
    attributes = asyncio.run(
        _run(PG_ADMIN_URL, f"SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = '{roles.owner}'")
    )
    assert attributes == (False, False, False)


def _column(table: str) -> str:
    return {"event": "kind", "merkle_node": "hash", "checkpoint": "note"}[table]


def test_a_first_deployment_follows_the_documented_order_on_an_empty_database(request: pytest.FixtureRequest) -> None:
    """docs/operations.md: ``db roles`` (superuser), ``db upgrade`` as the owner, ``db roles`` again. On an
    empty database the first step stopped with 'relation "event" does not exist', so there was no owner to
    migrate as."""
    require_service("PostgreSQL", PG_ADMIN_URL)
    name = f"certreg_first_{run_id(request.config)}"
    url = asyncio.run(create_pg_database(PG_ADMIN_URL, name))
    made = Roles(url, "t" + hashlib.sha256(name.encode()).hexdigest()[:8])
    args = ["db", "roles", "--owner", made.owner, "--issuer", made.issuer, "--verify", made.verify]
    try:
        for step, env_url in (
            (args, url),
            (["db", "upgrade"], made.url.replace("postgres@", f"{made.owner}@", 1)),
            (args, url),
        ):
            result = CliRunner().invoke(main, step, env={"CERTREG_DATABASE_URL": env_url})
            assert result.exit_code == 0, result.output
        issuer = made.url.replace("postgres@", f"{made.issuer}@", 1)
        assert "permission denied for table event" in refused(issuer, "UPDATE event SET reason = ''")
    finally:
        asyncio.run(drop_pg_database(PG_ADMIN_URL, name))
        asyncio.run(_drop_roles(made))
