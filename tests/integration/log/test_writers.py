"""The log's writers outside the log package: `certreg issue-batch` publishes a checkpoint that covers the
batch it issued, and `certreg registry load` appends one ``filing.status`` leaf per new status row — and none
at all when the load fails."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from registry.db import Database
from registry.events import decode_entry
from registry.log.checkpoint import open_checkpoint
from registry.log.note import NoteVerifier
from registry.models import Certificate, Checkpoint, Event, FilingStatusChange, LogHead
from tests.factories import add_keys, key_store, seed_world
from tests.integration.cli.support import invoke
from tests.integration.issuing.batches import rows_of, workflow_batch
from tests.integration.log.tampering import cli_env, on_database
from tests.support import ID_HASH_KEY

DATA = Path(__file__).resolve().parents[3] / "registry" / "data"


def test_issue_batch_publishes_a_checkpoint_covering_the_batch(empty_db_url: str, tmp_path: Path) -> None:
    async def prepare(database: Database) -> int:
        await seed_world(database)
        await add_keys(database, key_store(tmp_path / "keys"))
        return await workflow_batch(database, rows_of(5))

    batch_id = on_database(empty_db_url, prepare)
    env = {**cli_env(empty_db_url, tmp_path / "keys"), "CERTREG_ID_HASH_KEY": ID_HASH_KEY, "CERTREG_REDIS_URL": ""}
    result = invoke(env, "issue-batch", str(batch_id), "--operator", "alice")
    assert result.exit_code == 0, result.output

    async def state(database: Database) -> tuple[int, list[int], list[tuple[int, str]]]:
        async with database.reader() as session:
            head = int(await session.scalar(select(LogHead.size)) or 0)
            leaves = list((await session.scalars(select(Certificate.log_index))).all())
            notes = [(row.size, row.note) for row in await session.scalars(select(Checkpoint))]
        return head, leaves, notes

    head, leaves, notes = on_database(empty_db_url, state)
    assert len(leaves) == 5
    assert [size for size, _ in notes] == [head]  # published right after the batch, over the whole log
    assert max(leaves) < head
    verifier = NoteVerifier.parse(invoke(env, "log", "key").output.strip())
    assert open_checkpoint(notes[0][1], verifier).size == head


def load(env: dict[str, str], path: Path) -> tuple[int, str]:
    result = invoke(env, "registry", "load", str(path))
    return result.exit_code, result.output


async def filing_events(database: Database) -> list[tuple[str, str, dict[str, object]]]:
    async with database.reader() as session:
        rows = (
            await session.scalars(select(Event.data).where(Event.kind == "filing.status").order_by(Event.idx))
        ).all()
    return [(entry.subject, entry.reason, entry.details) for entry in map(decode_entry, rows)]


async def counts(database: Database) -> tuple[int, int]:
    async with database.reader() as session:
        events = int(await session.scalar(select(func.count()).select_from(Event)) or 0)
        statuses = int(await session.scalar(select(func.count()).select_from(FilingStatusChange)) or 0)
    return events, statuses


def test_registry_load_logs_new_filing_statuses_and_a_failed_load_logs_nothing(
    empty_db_url: str, tmp_path: Path
) -> None:
    env = cli_env(empty_db_url, tmp_path / "keys")
    for name in ("regions_hunan.csv", "demo_hunan.json"):
        assert load(env, DATA / name)[0] == 0
    before = on_database(empty_db_url, filing_events)
    statuses = tmp_path / "statuses.json"
    rows = [
        {"institution_code": "43012001", "reference": "长人社鉴备〔2024〕1号", "status": "suspended",
         "effective_on": "2026-09-01", "reason": "整改"},
        {"institution_code": "43012001", "reference": "长人社鉴备〔2024〕1号", "status": "revoked",
         "effective_on": "2026-10-01", "reason": "取消"},
    ]  # fmt: skip
    statuses.write_text(json.dumps({"filing_status": rows}, ensure_ascii=False), encoding="utf-8")
    code, output = load(env, statuses)
    assert code == 0, output
    subject = "filing:43012001:长人社鉴备〔2024〕1号"
    assert on_database(empty_db_url, filing_events) == [
        *before,
        (subject, "整改", {"effective_on": "2026-09-01", "status": "suspended"}),
        (subject, "取消", {"effective_on": "2026-10-01", "status": "revoked"}),
    ]
    audit = invoke(env, "audit")
    assert audit.exit_code == 0, audit.output  # the tables are what the loads logged

    loaded = on_database(empty_db_url, counts)
    bad = tmp_path / "bad.json"
    rows = [
        {"institution_code": "43012001", "reference": "长人社鉴备〔2024〕1号", "status": "active",
         "effective_on": "2026-11-01"},
        {"institution_code": "43012001", "reference": "没有这个文号", "status": "suspended",
         "effective_on": "2026-11-02"},
    ]  # fmt: skip
    bad.write_text(json.dumps({"filing_status": rows}, ensure_ascii=False), encoding="utf-8")
    code, output = load(env, bad)
    assert code == 2
    assert "没有这个文号" in output
    assert on_database(empty_db_url, counts) == loaded  # neither the good row nor any event went in
