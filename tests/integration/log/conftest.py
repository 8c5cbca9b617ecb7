"""Fixtures of the log's integration tests: a seeded registry with keys, and helpers to grow its log."""

from __future__ import annotations

from pathlib import Path

import pytest

from issuer.keystore import KeyStore
from registry.db import Database
from registry.events import NewEvent, append_events
from tests.factories import HOLDER_IDS, TestCertificate, add_keys, issue_test_certificates, key_store, seed_world


class World:
    """A registry with the demo's province, city, institutions, keys (statement and log) and a key store."""

    def __init__(self, database: Database, store: KeyStore, key_dir: Path) -> None:
        self.database = database
        self.store = store
        self.key_dir = key_dir

    async def issue(self, count: int, prefix: str = "考生") -> list[TestCertificate]:
        holders = [(f"{prefix}{i}", HOLDER_IDS[i % len(HOLDER_IDS)]) for i in range(count)]
        return await issue_test_certificates(self.database, self.store, holders)

    async def append(self, count: int, tag: str = "e") -> range:
        events = [NewEvent(kind="batch.submitted", subject=f"batch:{tag}{i}", actor="test") for i in range(count)]
        async with self.database.transaction() as session:
            return await append_events(session, events)


@pytest.fixture
async def world(database: Database, tmp_path: Path) -> World:
    await seed_world(database)
    store = key_store(tmp_path / "keys")
    await add_keys(database, store)
    return World(database, store, tmp_path / "keys")
