"""Building a registry for the tampering tests and changing it behind the application's back, in plain SQL."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import delete, insert, select, update

from issuer.checkpoints import publish_checkpoint
from registry.append_only import unguarded
from registry.db import Database
from registry.events import EventKind, NewEvent, append_events
from registry.models import Certificate, CertificatePrint, Checkpoint, Event, Filing, FilingScope, LogHead, MerkleNode
from registry.refdata.filings import scope_signature, scope_terms
from tests.factories import TestCertificate, add_keys, key_store, seed_world
from tests.integration.cli.support import command_env
from tests.integration.log.conftest import World
from tests.support import make_settings

ORIGIN = "hrss.hunan.example/certreg"
T = TypeVar("T")


def cli_env(db_url: str, key_dir: Path) -> dict[str, str]:
    return command_env(db_url, key_dir, CERTREG_LOG_ORIGIN=ORIGIN)


def on_database(db_url: str, work: Callable[[Database], Awaitable[T]]) -> T:
    """Run ``work`` on a fresh connection to the database (the CLI tests are synchronous)."""

    async def _run() -> T:
        async with Database(db_url) as database:
            return await work(database)

    return asyncio.run(_run())


async def log_seeded_filings(database: Database) -> None:
    """Append the ``filing.created`` events `certreg registry load` would have written for the filings
    ``seed_world`` puts straight into the tables (the audit checks every filing against its events)."""
    async with database.transaction() as session:
        filings = (await session.scalars(select(Filing).order_by(Filing.id))).all()
        events = []
        for filing in filings:
            scope = (await session.scalars(select(FilingScope).where(FilingScope.filing_id == filing.id))).all()
            details: dict[str, str | int | bytes | bool | None] = {
                "institution": filing.institution_code,
                "reference": filing.reference,
                "filed_by": filing.filed_by,
                "valid_from": filing.valid_from.isoformat(),
                "valid_to": filing.valid_to.isoformat(),
                "scope": scope_signature(scope),
                "terms": scope_terms(scope),
                "pilot": filing.pilot,
            }
            subject = f"filing:{filing.institution_code}:{filing.reference}"
            events.append(NewEvent(kind=EventKind.FILING_CREATED, subject=subject, actor="test", details=details))
        await append_events(session, events)


async def build(database: Database, key_dir: Path, count: int = 5, prefix: str = "考生") -> list[TestCertificate]:
    """A seeded registry with its filings logged, keys, ``count`` certificates and a checkpoint over them
    (3 filing + 3 key + ``count`` issue leaves)."""
    await seed_world(database)
    await log_seeded_filings(database)
    store = key_store(key_dir)
    await add_keys(database, store)
    made = await World(database, store, key_dir).issue(count, prefix)
    await publish_checkpoint(database, store, make_settings(log_origin=ORIGIN))
    return made


async def grow(database: Database, key_dir: Path, count: int, prefix: str) -> list[TestCertificate]:
    """Issue ``count`` more certificates the normal way and publish a checkpoint."""
    store = key_store(key_dir)
    made = await World(database, store, key_dir).issue(count, prefix)
    await publish_checkpoint(database, store, make_settings(log_origin=ORIGIN))
    return made


async def sql(database: Database, *statements: Any) -> None:
    async with database.transaction() as session, unguarded(session, database.dialect):
        for statement in statements:
            await session.execute(statement)


async def insert_unlogged_copy(database: Database, number: str, new_number: str) -> None:
    """A certificate row copied from ``number`` under ``new_number``, pointing at the log's first leaf."""
    columns = [column.key for column in Certificate.__mapper__.columns]
    async with database.transaction() as session:
        found = await session.execute(
            select(*(getattr(Certificate, c) for c in columns)).where(Certificate.number == number)
        )
        row = dict(zip(columns, found.one(), strict=True))
        row.update(number=new_number, log_index=0)
        await session.execute(insert(Certificate).values(**row))


async def truncate(database: Database, keep: int, *, drop_checkpoints: bool = False) -> None:
    """Cut the log back to ``keep`` leaves, with the rows whose events went, as an insider would; with
    ``drop_checkpoints`` also the stored checkpoints beyond it (covering the tracks the audit would see)."""
    async with database.transaction() as session, unguarded(session, database.dialect):
        nodes = (await session.execute(select(MerkleNode.level, MerkleNode.index))).all()
        for level, index in nodes:
            if (index + 1) << level > keep:
                await session.execute(delete(MerkleNode).where(MerkleNode.level == level, MerkleNode.index == index))
        await session.execute(delete(Certificate).where(Certificate.log_index >= keep))
        await session.execute(delete(CertificatePrint).where(CertificatePrint.log_index >= keep))
        await session.execute(delete(Event).where(Event.idx >= keep))
        await session.execute(update(LogHead).values(size=keep))
        if drop_checkpoints:
            await session.execute(delete(Checkpoint).where(Checkpoint.size > keep))


async def event_data(database: Database, index: int) -> bytes:
    async with database.reader() as session:
        data = await session.scalar(select(Event.data).where(Event.idx == index))
    assert data is not None
    return data
