"""Where the benches put their data: database names, server URLs and ports from flags or the environment.

Why this exists: the benches used to hard-code a database name they dropped ``WITH (FORCE)`` and a fixed HTTP
port, so two runs at once (two branches, two helpers) killed each other's databases and servers. Here:

* every bench takes ``--pg-admin-url`` / ``--db-name`` (env ``CERTREG_BENCH_PG_ADMIN_URL``,
  ``CERTREG_BENCH_DB``), ``--redis-url`` (``CERTREG_BENCH_REDIS_URL``) and ``--port``
  (``CERTREG_BENCH_PORT``; by default a free port the kernel picks);
* a scratch database is created only if no database of that name exists, is marked with a comment naming
  the process that made it, and is dropped only by that process (:class:`ScratchDatabase`); a name that
  already exists is refused, never dropped;
* a reusable registry (the 1M-row one of ``bench/scale.py``) is marked as such on creation and kept; it is
  reused only when its mark says it is one (:func:`reusable_database`), so a bench never writes into a
  database it did not make.
"""

from __future__ import annotations

import argparse
import os
import socket
from typing import Final

from sqlalchemy import text

from registry.db import one_off_engine
from registry.schema import upgrade

DEFAULT_ADMIN_URL: Final = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL: Final = "redis://127.0.0.1:6379/12"
SCRATCH_MARK: Final = "certreg-bench scratch"
REGISTRY_MARK: Final = "certreg-bench registry"


class BenchDatabaseError(RuntimeError):
    """A bench refused to touch a database it did not create."""


def add_arguments(parser: argparse.ArgumentParser, *, default_name: str) -> None:
    """The flags every bench that uses PostgreSQL, Redis or an HTTP port shares (defaults from the env)."""
    _env_flag(
        parser,
        "--pg-admin-url",
        "CERTREG_BENCH_PG_ADMIN_URL",
        DEFAULT_ADMIN_URL,
        "a PostgreSQL URL allowed to create databases",
    )
    _env_flag(
        parser,
        "--db-name",
        "CERTREG_BENCH_DB",
        default_name,
        "the bench database's name; refused if it exists and was not made by a bench",
    )
    _env_flag(parser, "--redis-url", "CERTREG_BENCH_REDIS_URL", DEFAULT_REDIS_URL, "Redis for the benches that use one")
    _env_flag(
        parser, "--port", "CERTREG_BENCH_PORT", "0", "HTTP port of the server a bench starts; 0 = a free one", parse=int
    )


def _env_flag(
    parser: argparse.ArgumentParser, flag: str, variable: str, default: str, text: str, *, parse: type = str
) -> None:
    """``flag``, defaulting to env ``variable`` (else ``default``); the help names the variable, so the two
    cannot drift apart."""
    parser.add_argument(
        flag, type=parse, default=parse(os.environ.get(variable, default)), help=f"{text} (env {variable})"
    )


def scratch_name(prefix: str) -> str:
    """A database name no other run uses at the same time: ``prefix`` and this process's id."""
    return f"{prefix}_{os.getpid()}"


def free_port(asked: int = 0) -> int:
    """``asked`` when non-zero, else a port the kernel reports free right now."""
    if asked:
        return asked
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def url_of(admin_url: str, name: str) -> str:
    """The URL of database ``name`` on the server of ``admin_url``."""
    return f"{admin_url.rsplit('/', 1)[0]}/{name}"


def _check_name(name: str) -> str:
    if not name.replace("_", "").isalnum() or not name.isascii():
        raise BenchDatabaseError(f"a bench database name is letters, digits and '_' only: {name!r}")
    return name


async def database_mark(admin_url: str, name: str) -> str | None:
    """The comment on database ``name`` (``""`` when it has none), or ``None`` when it does not exist."""
    async with one_off_engine(admin_url, isolation_level="AUTOCOMMIT") as engine, engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database WHERE datname = :name"
                ),
                {"name": name},
            )
        ).first()
    return None if row is None else str(row[0])


async def _create(admin_url: str, name: str, mark: str) -> str:
    """Create, mark and migrate ``name``; raises :class:`BenchDatabaseError` when it already exists."""
    name = _check_name(name)
    async with one_off_engine(admin_url, isolation_level="AUTOCOMMIT") as engine, engine.connect() as conn:
        exists = await conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if exists:
            raise BenchDatabaseError(
                f"database {name!r} exists and this run did not create it: pick another --db-name "
                "(or drop it yourself if it is yours)"
            )
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
        await conn.execute(text(f"COMMENT ON DATABASE \"{name}\" IS '{mark}'"))
    url = url_of(admin_url, name)
    async with one_off_engine(url) as migrated:
        await upgrade(migrated, "head")
    return url


class ScratchDatabase:
    """A database this process creates, migrates, and drops again (only if it is still the one it made)."""

    def __init__(self, admin_url: str, name: str) -> None:
        self.admin_url = admin_url
        self.name = _check_name(name)
        self.mark = f"{SCRATCH_MARK} pid={os.getpid()}"
        self.created = False

    async def create(self) -> str:
        """Create and migrate it; raises :class:`BenchDatabaseError` if the name is taken."""
        url = await _create(self.admin_url, self.name, self.mark)
        self.created = True
        return url

    async def drop(self) -> None:
        """Drop it if this object created it and its mark is still ours; otherwise leave it alone."""
        if not self.created or await database_mark(self.admin_url, self.name) != self.mark:
            return
        async with one_off_engine(self.admin_url, isolation_level="AUTOCOMMIT") as engine, engine.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.created = False


async def reusable_database(admin_url: str, name: str) -> tuple[str, bool]:
    """``(url, fresh)``: the bench registry ``name``, created and marked when missing, else reused.

    Raises :class:`BenchDatabaseError` when ``name`` exists without the registry mark (not a bench's).
    Never dropped by a bench: drop it by hand when done.
    """
    mark = await database_mark(admin_url, _check_name(name))
    if mark is None:
        return await _create(admin_url, name, REGISTRY_MARK), True
    if mark != REGISTRY_MARK:
        raise BenchDatabaseError(f"database {name!r} is not a bench registry (comment {mark!r}): not touching it")
    async with one_off_engine(url_of(admin_url, name)) as engine:
        await upgrade(engine, "head")
    return url_of(admin_url, name), False
