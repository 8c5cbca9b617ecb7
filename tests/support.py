"""Plain helpers for tests (fixtures live in conftest.py)."""

from __future__ import annotations

import asyncio
import subprocess
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Select

from registry.config import Settings, load_settings
from registry.db import Database
from verify.views import CertificateView

ID_HASH_KEY = "test-id-hash-key-0123456789abcdef"
#: Key directory of tests that give none: one per test process, never the checkout's ``./var/keys`` (the
#: first upload seals its holders' numbers and so makes the identity KEK there).
TEST_KEY_DIR = str(Path(tempfile.mkdtemp(prefix="certreg-keys-")) / "keys")

T = TypeVar("T")


def selected(url: str, statement: Select[T]) -> list[T]:
    """What ``statement`` selects (its first column), read in an event loop of its own: for sync tests, such
    as CLI runs, that check what a command left in the database."""

    async def read() -> list[T]:
        async with Database(url) as database, database.reader() as session:
            return list((await session.scalars(statement)).all())

    return asyncio.run(read())


def stop_process(process: subprocess.Popen[Any], *, grace: float, then: float) -> None:
    """SIGTERM ``process`` and wait ``grace`` seconds for it to exit; still running, SIGKILL it and wait
    ``then`` seconds more (raises :class:`subprocess.TimeoutExpired` past that)."""
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=then)


def make_settings(**overrides: Any) -> Settings:
    """Settings for a test: nothing from the developer's environment, secrets set, ``overrides`` applied."""
    base: dict[str, Any] = {
        "id_hash_key": ID_HASH_KEY,
        "key_passphrase": "test-passphrase",
        "public_url": "http://testserver",
        "key_kdf": "insecure-test-only",
        "key_dir": TEST_KEY_DIR,
    }
    base.update(overrides)
    return load_settings({}, **base)


def qr_only() -> Any:
    """zxing's formats argument for QR codes alone: a rendered page holds text and rules that zxing now and then
    misreads as a 1-D barcode (a stray "D98D" beside the certificate's QR code)."""
    import zxingcpp

    return zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


def read_qr(png: bytes) -> str:
    """The text of the one QR code in a PNG (zxing may report the same symbol twice; one text, though)."""
    import io

    import zxingcpp
    from PIL import Image

    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)), formats=qr_only())
    (text,) = {str(code.text) for code in found}
    return text


async def create_pg_database(admin_url: str, name: str) -> str:
    """A new, empty PostgreSQL database ``name`` next to ``admin_url``'s (dropped first if it exists); its URL."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
            # A test database need not survive a crash of the server: its commits skip waiting for the WAL
            # flush (~1.3 ms each here, paid by every commit of every PostgreSQL test; suite time).
            await conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    finally:
        await admin.dispose()
    return f"{admin_url.rsplit('/', 1)[0]}/{name}"


async def migrated_pg_database(admin_url: str, name: str, revision: str = "head") -> str:
    """A new PostgreSQL database ``name`` next to ``admin_url``'s, migrated to ``revision`` (dropped first if it
    exists)."""
    from sqlalchemy.ext.asyncio import create_async_engine

    from registry.schema import upgrade

    url = await create_pg_database(admin_url, name)
    engine = create_async_engine(url)
    try:
        await upgrade(engine, revision)
    finally:
        await engine.dispose()
    return url


async def empty_tables(db: Database) -> None:
    """Empty every table of a scratch database (past the event table's append-only guard) and reset the log.

    On PostgreSQL one ``DO`` block deletes every row and restarts the tables' own sequences (what ``TRUNCATE …
    RESTART IDENTITY`` did): ``TRUNCATE`` of 31 tables made new files for each and took ~20 times as long, twice
    per test, on tables that hold a handful of rows (suite time, DEVELOPERS.md). Inside :func:`unguarded` the
    session is a replica, so neither the append-only guard nor the foreign keys' triggers fire.
    """
    from sqlalchemy import text

    from registry.append_only import unguarded
    from registry.models import Base

    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    if db.dialect == "sqlite":
        await _sqlite_empty(db, tables)
        return
    async with db.write_engine.begin() as conn, unguarded(conn, db.dialect):
        if db.dialect == "postgresql":
            await conn.execute(text(_pg_empty_block(tables)))
        else:
            for table in tables:
                await conn.execute(text(f"DELETE FROM {table}"))
        await conn.execute(text("INSERT INTO log_head (id, size) VALUES (1, 0)"))


async def _sqlite_empty(db: Database, tables: list[str]) -> None:
    """:func:`empty_tables` on SQLite as one script in one transaction: one round trip to the driver's thread
    instead of ~36 statements, each its own (~30 ms a test, twice per test; suite time). Inside it the
    append-only guard's triggers are dropped and made again, as :func:`registry.append_only.unguarded` does."""
    from registry.append_only import install_statements, remove_statements

    statements = [
        *remove_statements("sqlite"),
        *(f"DELETE FROM {table}" for table in tables),
        *install_statements("sqlite"),
        "INSERT INTO log_head (id, size) VALUES (1, 0)",
    ]
    async with db.write_engine.connect() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None  # an open aiosqlite connection
        # a failure leaves the transaction open: the pool rolls it back when the connection is returned
        await driver.executescript("BEGIN IMMEDIATE;\n" + ";\n".join(statements) + ";\nCOMMIT;")


def _pg_empty_block(tables: list[str]) -> str:
    """A ``DO`` block deleting every row of ``tables`` and restarting the sequences those tables own (serial
    and identity columns), in one round trip."""
    deletes = " ".join(f"DELETE FROM {table};" for table in tables)
    names = ", ".join(f"'{table}'" for table in tables)
    return f"""DO $$
DECLARE owned regclass;
BEGIN
    {deletes}
    FOR owned IN
        SELECT s.oid::regclass FROM pg_class s
        JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.deptype IN ('a', 'i')
        JOIN pg_class t ON t.oid = d.refobjid
        WHERE s.relkind = 'S' AND t.relnamespace = current_schema()::regnamespace AND t.relname IN ({names})
    LOOP
        EXECUTE format('ALTER SEQUENCE %s RESTART', owned);
    END LOOP;
END $$"""


@asynccontextmanager
async def scratch_database(url: str) -> AsyncIterator[Database]:
    """A :class:`Database` on ``url`` with empty tables; emptied again and disposed afterwards."""
    db = Database(url)
    await empty_tables(db)
    try:
        yield db
    finally:
        try:
            await empty_tables(db)
        finally:
            await db.dispose()  # even when emptying failed: its connections would otherwise warn in a later test


async def drop_pg_database(admin_url: str, name: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


def certificate_view(*, statement: bytes = b"\x9b\x01", signature: bytes = b"") -> CertificateView:
    """The view of one valid skill-level certificate (电工 level 3, 张三) as the verify caches hold it."""
    return CertificateView(
        number="S000043000101263000001",
        kind="skill_level",
        holder_name="张三",
        holder_id_masked="430102********1234",
        subject_type="occupation",
        subject_code="6-31-01-03",
        subject_name="电工",
        level=3,
        institution_code="S000043000101",
        institution_name="评价中心",
        authority_code="430100",
        authority_name="长沙市职业技能鉴定中心",
        issued_on=date(2026, 1, 2),
        log_index=7,
        statement=statement,
        signature=signature,
    )
