"""The feed export streams (issue 13: memory flat whatever the number of events): records are read a page at
a time, hashed for the manifest, then written and checked against it; past the XLSX bound only NDJSON and
CSV are written; when the second pass differs from the first, no file of the export stays."""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from issuer.auth import Principal, Role
from issuer.cli import feed as feed_cli
from issuer.feed import service
from issuer.feed.fields import FeedRecord
from issuer.feed.manifest import verify_manifest
from issuer.feed.service import FeedChangedError, export_feed
from registry.keyring import load_keyset
from registry.rules.profiles import HUNAN
from tests.factories import PROVINCE, key_store
from tests.integration.feed.conftest import World
from tests.integration.feed.test_feed_export import _export as cli_export
from tests.integration.legacy.files import skill_rows

ADMIN = Principal.for_operator("tester", role=Role.PROVINCE_ADMIN, org_code=PROVINCE)


async def _export(world: World, out: Path) -> Any:
    return await export_feed(
        world.database, world.settings, key_store(Path(world.settings.keys.key_dir)), HUNAN, ADMIN, since=0,
        out_dir=out, reason="国家库上报 / national upload", now=datetime.now(UTC),
    )  # fmt: skip


async def test_pages_are_streamed_and_a_large_export_has_no_xlsx(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await world.load(skill_rows(5))
    monkeypatch.setattr(service, "PAGE", 3)  # 10 records (issued + imported each) in 4 pages
    monkeypatch.setattr(service, "XLSX_MAX_RECORDS", 9)
    out = tmp_path / "feed"
    result = await _export(world, out)
    assert result.records == 10
    stem = f"feed-1-{result.last_event}"
    assert sorted(p.name for p in out.iterdir()) == sorted([f"{stem}.ndjson", f"{stem}.csv", f"{stem}.manifest.json"])
    async with world.database.reader() as session:
        key = (await load_keyset(session)).active(PROVINCE, "statement")
    assert key is not None
    manifest = verify_manifest((out / f"{stem}.manifest.json").read_bytes(), key.raw_public_key)
    assert [f.name for f in manifest.files] == [f"{stem}.ndjson", f"{stem}.csv"]
    for entry in manifest.files:
        data = (out / entry.name).read_bytes()
        assert (hashlib.sha256(data).hexdigest(), len(data), entry.records) == (entry.sha256, entry.bytes, 10)
    lines = (out / f"{stem}.ndjson").read_text().splitlines()
    assert [json.loads(line)["event_id"] for line in lines] == sorted(json.loads(line)["event_id"] for line in lines)
    assert len({json.loads(line)["event_id"] for line in lines}) == 10


async def test_a_second_pass_that_differs_leaves_no_file(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await world.load(skill_rows(2))
    real = service.pages
    calls = 0

    async def changing(*args: Any, **kwargs: Any) -> AsyncIterator[list[FeedRecord]]:
        nonlocal calls
        calls += 1
        async for page in real(*args, **kwargs):
            yield page if calls == 1 else page[:-1]

    monkeypatch.setattr(service, "pages", changing)
    out = tmp_path / "feed"
    with pytest.raises(FeedChangedError, match="export again"):
        await _export(world, out)
    assert not out.exists()  # no file stays, nor the directory the export made for them


async def test_the_cli_says_when_an_export_has_no_xlsx(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await world.load(skill_rows(2))
    monkeypatch.setattr(service, "XLSX_MAX_RECORDS", 1)
    monkeypatch.setattr(feed_cli, "XLSX_MAX_RECORDS", 1)
    output = await asyncio.to_thread(cli_export, world.settings, 0, tmp_path / "feed")
    assert "no XLSX: more than 1 records" in output
    assert not list((tmp_path / "feed").glob("*.xlsx"))


async def test_an_export_interrupted_while_the_workbook_grows_ends_cleanly(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C (the command's task cancelled) while a page went into the XLSX in its thread: the export's clean-up
    closed the workbook under that thread, and the operator saw a traceback ending in "ValueError: generator
    already executing" (status 1) instead of the interrupted line. The clean-up now waits for the thread.
    ``SlowBook`` is a fake for a timing no real run can be made to hit on purpose: its ``add`` waits in the
    thread until the test has cancelled the export, and it notes whether the workbook was closed meanwhile."""
    await world.load(skill_rows(2))
    entered, release = threading.Event(), threading.Event()
    closed_while_adding: list[bool] = []

    class SlowBook(service._Book):
        adding = False

        def add(self, records: Any) -> None:
            self.adding = True
            entered.set()
            release.wait(timeout=30)
            super().add(records)
            self.adding = False

        def discard(self) -> None:
            closed_while_adding.append(self.adding)
            super().discard()

    monkeypatch.setattr(service, "_Book", SlowBook)
    out = tmp_path / "feed"
    export = asyncio.create_task(_export(world, out))
    assert await asyncio.to_thread(entered.wait, 30)
    export.cancel()
    await asyncio.sleep(0.05)  # the cancellation reaches the export while the thread is still in the workbook
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await export
    assert closed_while_adding == [False]
    assert not out.exists()  # the directory the interrupted export made, removed with nothing in it
