"""Event 0 and the first feed export (docs/feed.md): ``--since N`` exports the events *after* N, so the first
export, ``--since 0``, never holds event 0. That loses nothing, because event 0 can never be a feed event: every
certificate event is signed by a registered key, and registering a key logs its ``key.created`` first. A fresh
registry through the real commands: the import is refused until a key exists, then event 0 is the key's."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import select

from issuer.feed.service import FEED_KINDS
from registry.db import Database
from registry.errors import ConflictError
from registry.models import Event
from tests.factories import HOLDER_IDS, PROVINCE, issue_test_certificates, key_store, seed_world
from tests.integration.cli.support import command_env, invoke
from tests.integration.legacy.files import csv_bytes, skill_rows
from tests.support import ID_HASH_KEY


async def _kinds(database: Database) -> list[str]:
    """The kind of every logged event, in event id order (ids 0, 1, 2 …)."""
    async with database.reader() as session:
        rows = (await session.execute(select(Event.idx, Event.kind).order_by(Event.idx))).all()
    assert [idx for idx, _ in rows] == list(range(len(rows)))
    return [kind for _, kind in rows]


async def test_event_0_is_never_a_feed_event_so_the_first_export_holds_every_one(
    database: Database, tmp_path: Path
) -> None:
    await seed_world(database)
    env = command_env(database.url, tmp_path / "keys", CERTREG_ID_HASH_KEY=ID_HASH_KEY)
    legacy = tmp_path / "legacy.csv"
    legacy.write_bytes(csv_bytes(skill_rows(2)))

    def certreg(*args: str) -> Result:
        return invoke(env, *args)

    refused = await asyncio.to_thread(certreg, "legacy", "import", str(legacy), "--source", "hunan-osta")
    assert refused.exit_code != 0, refused.output
    assert "no active statement key for 430000" in " ".join(refused.output.split())
    with pytest.raises(ConflictError):  # nor an issue (revoke, reissue … need a certificate first)
        await issue_test_certificates(database, key_store(tmp_path / "keys"), [("张三", HOLDER_IDS[0])])
    assert await _kinds(database) == []  # no key: no certificate, nothing logged

    assert (await asyncio.to_thread(certreg, "keys", "new", "--authority", PROVINCE)).exit_code == 0
    imported = await asyncio.to_thread(certreg, "legacy", "import", str(legacy), "--source", "hunan-osta")
    assert imported.exit_code == 0, imported.output
    kinds = await _kinds(database)
    assert kinds[0] == "key.created"
    feed = [idx for idx, kind in enumerate(kinds) if kind in FEED_KINDS]
    assert len(feed) == 4  # each certificate: issued, then imported
    assert min(feed) >= 1

    out = tmp_path / "feed"
    args = ("feed", "export", "--since", "0", "--out", str(out), "--reason", "国家库上报 / national upload")
    exported = await asyncio.to_thread(certreg, *args)
    assert exported.exit_code == 0, exported.output
    assert f"next: --since {max(feed)}" in " ".join(exported.output.split())
    (ndjson,) = out.glob("*.ndjson")
    lines = [json.loads(line) for line in ndjson.read_text(encoding="utf-8").splitlines()]
    assert [line["event_id"] for line in lines] == feed
