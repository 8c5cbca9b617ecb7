"""Plain helpers for tests (fixtures live in conftest.py)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from registry.config import Settings, load_settings
from registry.db import Database

ID_HASH_KEY = "test-id-hash-key-0123456789abcdef"
#: Key directory of tests that give none: one per test process, never the checkout's ``./var/keys`` (the
#: first upload seals its holders' numbers and so makes the identity KEK there).
TEST_KEY_DIR = str(Path(tempfile.mkdtemp(prefix="certreg-keys-")) / "keys")


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


def read_qr(png: bytes) -> str:
    """The text of the one QR code in a PNG (zxing may report the same symbol twice; one text, though)."""
    import io

    import zxingcpp
    from PIL import Image

    found = zxingcpp.read_barcodes(
        Image.open(io.BytesIO(png)), formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    )
    (text,) = {str(code.text) for code in found}
    return text


async def migrated_pg_database(admin_url: str, name: str, revision: str = "head") -> str:
    """A new PostgreSQL database ``name`` next to ``admin_url``'s, migrated to ``revision`` (dropped first if it
    exists)."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from registry.schema import upgrade

    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()
    url = f"{admin_url.rsplit('/', 1)[0]}/{name}"
    engine = create_async_engine(url)
    try:
        await upgrade(engine, revision)
    finally:
        await engine.dispose()
    return url


async def empty_tables(db: Database) -> None:
    """Empty every table of a scratch database (past the event table's append-only guard) and reset the log."""
    from sqlalchemy import text

    from registry.append_only import unguarded
    from registry.models import Base

    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    async with db.write_engine.begin() as conn, unguarded(conn, db.dialect):
        if db.dialect == "postgresql":
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                await conn.execute(text(f"DELETE FROM {table}"))
        await conn.execute(text("INSERT INTO log_head (id, size) VALUES (1, 0)"))


async def drop_pg_database(admin_url: str, name: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()
