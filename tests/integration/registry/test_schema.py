"""The start-up schema check: an empty or outdated database is refused with a message naming the fix."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient

from issuer.app import create_app as create_issuer_app
from issuer.cli import main
from registry.db import Database, one_off_engine
from registry.errors import DatabaseMissingError, SchemaOutdatedError
from registry.schema import check_database_schema, check_schema, current_revision, head_revision, upgrade
from tests.conftest import PG_ADMIN_URL, require_service, run_id
from tests.integration.registry.test_registry_cli import load_regions
from tests.support import drop_pg_database, make_settings, migrated_pg_database
from verify.app import create_app as create_verify_app


async def test_empty_database_is_refused_then_upgrade_fixes_it(tmp_path: Path) -> None:
    (tmp_path / "fresh.db").touch()  # an empty file (a missing one is refused as missing, below)
    async with one_off_engine(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}") as engine:
        with pytest.raises(SchemaOutdatedError, match="certreg db upgrade"):
            await check_schema(engine)
        await upgrade(engine)
        await check_schema(engine)
        assert await current_revision(engine) == head_revision()


async def test_migrated_test_database_is_current(db_url: str) -> None:
    async with one_off_engine(db_url) as engine:
        await check_schema(engine)


async def _database_at(url: str, revision: str) -> None:
    async with one_off_engine(url) as engine:
        await upgrade(engine, revision)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def url_at_0002(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database migrated only to 0002 (SQLite file or a scratch PostgreSQL database)."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        await _database_at(url, "0002_batches")
        yield url
        return
    require_service("PostgreSQL", PG_ADMIN_URL)
    name = f"certreg_old_{run_id(request.config)}"
    url = await migrated_pg_database(PG_ADMIN_URL, name, "0002_batches")
    try:
        yield url
    finally:
        await drop_pg_database(PG_ADMIN_URL, name)


async def test_a_database_at_0002_is_refused_as_the_write_database_even_with_a_current_replica(
    url_at_0002: str, db_url: str
) -> None:
    async with Database(url_at_0002, read_url=db_url) as stale:
        with pytest.raises(SchemaOutdatedError) as info:
            await check_database_schema(stale)
        assert "the write database" in str(info.value)
        assert "is at 0002_batches" in str(info.value)
        assert "certreg db upgrade" in str(info.value)
    async with Database(db_url, read_url=url_at_0002) as replica:
        with pytest.raises(SchemaOutdatedError, match="the read replica"):
            await check_database_schema(replica)
    async with Database(db_url) as current:
        await check_database_schema(current)


def test_a_command_refuses_a_database_at_0002_with_exit_code_2(url_at_0002: str, tmp_path: Path) -> None:
    result = load_regions(url_at_0002, tmp_path, "code,name,parent_code\n430000,湖南省,\n")
    assert result.exit_code == 2, result.output
    assert "is at 0002_batches" in result.output
    assert "run `certreg db upgrade`" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("factory", ["all-in-one", "verify"])
async def test_the_app_refuses_to_start_on_a_stale_write_database_behind_a_current_replica(
    url_at_0002: str, db_url: str, factory: str
) -> None:
    create = create_issuer_app if factory == "all-in-one" else create_verify_app
    app = create(make_settings(database_url=url_at_0002, replica_url=db_url))
    expected = pytest.RaisesExc(SchemaOutdatedError, match="the write database")
    with pytest.RaisesGroup(expected, allow_unwrapped=True, flatten_subgroups=True):
        async with AsyncTestClient(app):
            pytest.fail("the app started on a write database at 0002")


def _db_upgrade(url: str) -> str:
    result = CliRunner().invoke(main, ["db", "upgrade"], env={"CERTREG_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    return result.output


def test_db_upgrade_says_it_migrated_an_empty_database_and_only_then_up_to_date(tmp_path: Path) -> None:
    """Issue 10, item 16: on an empty database ``db upgrade`` said "already up to date" after migrating it."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'var' / 'fresh.db'}"
    first = _db_upgrade(url)
    assert f"database migrated from an empty database to revision {head_revision()}" in first
    assert "already up to date" not in first
    second = _db_upgrade(url)
    assert f"database schema already up to date at revision {head_revision()}" in second
    assert "migrated" not in second


def test_a_schema_of_a_newer_release_is_named_as_one_not_sent_to_db_upgrade(tmp_path: Path) -> None:
    """A rollback to an older release over a schema a newer one migrated: 'run `certreg db upgrade`' was wrong
    advice, and db upgrade itself was Alembic's 'Can't locate revision' traceback."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'newer.db'}"
    _db_upgrade(url)
    connection = sqlite3.connect(tmp_path / "newer.db")
    with connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999_from_a_newer_release'")
    connection.close()
    for command in (["db", "upgrade"], ["db", "check"]):
        result = CliRunner().invoke(main, command, env={"CERTREG_DATABASE_URL": url})
        assert result.exit_code == 2, result.output
        assert "is at 9999_from_a_newer_release, a revision this code does not know" in result.output
        assert "run `certreg db upgrade`" not in result.output
        assert "Traceback" not in result.output


async def test_db_upgrade_names_the_revision_it_migrated_from(url_at_0002: str) -> None:
    output = await asyncio.to_thread(_db_upgrade, url_at_0002)
    assert f"database migrated from 0002_batches to revision {head_revision()}" in output


#: A mistyped file, and a file in a folder that does not exist (``var`` typed ``vra``).
MISTYPED = ["certreg.bd", "vra/certreg.db"]


@pytest.mark.parametrize("mistyped", MISTYPED)
@pytest.mark.parametrize("factory", ["all-in-one", "verify"])
async def test_the_app_refuses_a_sqlite_file_that_does_not_exist_and_creates_none(
    tmp_path: Path, mistyped: str, factory: str
) -> None:
    """A typo in CERTREG_DATABASE_URL made SQLite create an empty file there, and the app then asked to run
    `certreg db upgrade` — which would have made a new, empty registry at the typo."""
    path = tmp_path / mistyped
    create = create_issuer_app if factory == "all-in-one" else create_verify_app
    app = create(make_settings(database_url=f"sqlite+aiosqlite:///{path}"))
    expected = pytest.RaisesExc(DatabaseMissingError, match="does not exist")
    with pytest.RaisesGroup(expected, allow_unwrapped=True, flatten_subgroups=True) as info:
        async with AsyncTestClient(app):
            pytest.fail("the app started on a database file that does not exist")
    message = str(info.value.exceptions[0]) if isinstance(info.value, BaseExceptionGroup) else str(info.value)
    assert str(path) in message
    assert "CERTREG_DATABASE_URL" in message
    assert "不存在" in message
    assert not path.exists()
    assert not path.parent.exists() or path.parent == tmp_path


@pytest.mark.parametrize("command", [["db", "upgrade"], ["db", "check"], ["keys", "list"], ["serve"]])
def test_a_directory_given_as_the_sqlite_file_is_refused_by_name(tmp_path: Path, command: list[str]) -> None:
    """``CERTREG_DATABASE_URL=sqlite+aiosqlite:///var`` (the folder, not ``var/certreg.db``): every command said
    "the database cannot be used: unable to open database file", and ``db upgrade`` now and then printed a
    traceback of aiosqlite's thread after it ("Exception in thread … _connection_worker_thread")."""
    folder = tmp_path / "var"
    folder.mkdir()
    result = CliRunner().invoke(main, command, env={"CERTREG_DATABASE_URL": f"sqlite+aiosqlite:///{folder}"})
    assert result.exit_code == 2, result.output
    assert f"SQLite 数据库路径 {folder} 是目录，不是文件" in result.output
    assert f"the SQLite database path {folder} is a directory, not a file" in result.output
    assert "CERTREG_DATABASE_URL" in result.output
    assert "Traceback" not in result.output
    assert list(folder.iterdir()) == []


def _read_only(folder: Path, command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``certreg *command`` run with ``folder`` read-only: mounted so in a mount namespace of its own when this
    runs as root (whom a mode never stops), else by its mode."""
    certreg = [str(Path(sys.executable).parent / "certreg"), *command]
    if os.geteuid() != 0:
        folder.chmod(0o500)
        try:
            return subprocess.run(certreg, env=env, capture_output=True, text=True, timeout=120, check=False)
        finally:
            folder.chmod(0o700)
    script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" "$1" && shift && exec "$@"'
    wrapped = ["unshare", "-m", "sh", "-c", script, "sh", str(folder), *certreg]
    return subprocess.run(wrapped, env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("command", [["keys", "list"], ["db", "upgrade"], ["db", "check"]])
def test_a_sqlite_database_in_a_read_only_folder_is_refused_saying_why(tmp_path: Path, command: list[str]) -> None:
    """A read-only var dir (a read-only mount, a folder of another user): SQLite keeps its -wal and -shm files
    beside the database, even to read it, and every command said "the database cannot be used: unable to open
    database file" about a file that was there."""
    folder = tmp_path / "var"
    database = folder / "certreg.db"
    _db_upgrade(f"sqlite+aiosqlite:///{database}")
    for extra in folder.glob("certreg.db-*"):
        extra.unlink()
    env = {**os.environ, "CERTREG_DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
    result = _read_only(folder, command, env)
    assert result.returncode == 2, result.stdout + result.stderr
    said = " ".join(result.stderr.split())
    assert f"SQLite 数据库所在目录 {folder} 不可写" in said
    assert f"the folder {folder} of the SQLite database is not writable" in said
    assert "-wal" in said
    assert "Traceback" not in said


@pytest.mark.parametrize("mistyped", MISTYPED)
def test_a_command_refuses_a_sqlite_file_that_does_not_exist_and_db_upgrade_creates_it(
    tmp_path: Path, mistyped: str
) -> None:
    path = tmp_path / mistyped
    url = f"sqlite+aiosqlite:///{path}"
    for command in (["db", "check"], ["serve"]):
        result = CliRunner().invoke(main, command, env={"CERTREG_DATABASE_URL": url})
        assert result.exit_code == 2, result.output
        assert "does not exist" in result.output
        assert "Traceback" not in result.output
        assert not path.exists()
    _db_upgrade(url)  # the one command that makes a database
    assert path.exists()
    checked = CliRunner().invoke(main, ["db", "check"], env={"CERTREG_DATABASE_URL": url})
    assert checked.exit_code == 0, checked.output
