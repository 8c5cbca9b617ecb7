"""The audit across worker processes finds exactly what it finds on one core, in the same order (issue 12)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update

import registry.audit.certificates
import registry.audit.log
from registry.audit.run import run_audit
from registry.db import Database
from registry.models import Certificate, Event, MerkleNode
from tests.integration.log.tampering import ORIGIN, build, insert_unlogged_copy, sql


async def test_two_worker_processes_report_what_one_core_reports(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(registry.audit.certificates, "CHUNK", 7)  # many chunks in flight, out of step
    monkeypatch.setattr(registry.audit.log, "CHUNK", 5)
    made = await build(database, tmp_path / "keys", count=40)
    await insert_unlogged_copy(database, made[3].number, "X" + made[3].number[1:])
    await sql(
        database,
        update(Certificate).where(Certificate.number == made[10].number).values(holder_name="篡改"),
        update(Event).where(Event.idx == 20).values(actor="someone else"),
        update(MerkleNode).where(MerkleNode.level == 4, MerkleNode.index == 1).values(hash=bytes(32)),
    )
    one = await run_audit(database, ORIGIN, processes=1)
    two = await run_audit(database, ORIGIN, processes=2)
    assert {d.kind.value for d in one.discrepancies} >= {
        "certificate.changed",
        "certificate.unlogged",
        "event.changed",
        "tree.changed",
    }
    assert two.discrepancies == one.discrepancies
    assert (two.leaves, two.certificates, two.checkpoints) == (one.leaves, one.certificates, one.checkpoints)
    assert two.confirmed == [] or [c.size for c in two.confirmed] == [c.size for c in one.confirmed]
