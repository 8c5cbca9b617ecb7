"""``certreg audit`` keeps the guarantee of the foreign keys migration 0012 dropped: a certificate row whose
institution, authority, batch or key does not exist (written by hand, past the per-batch check) is reported,
named by its number and the missing value."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import update

from registry.audit.run import run_audit
from registry.db import Database
from registry.models import Certificate
from tests.integration.log.tampering import ORIGIN, build, sql


async def test_the_audit_reports_a_dangling_reference(database: Database, tmp_path: Path) -> None:
    made = await build(database, tmp_path / "keys", count=3)
    assert (await run_audit(database, ORIGIN)).clean
    number = made[1].number
    await sql(database, update(Certificate).where(Certificate.number == number).values(batch_id=424242))
    report = await run_audit(database, ORIGIN)
    dangling = [d for d in report.discrepancies if d.kind.value == "certificate.dangling_reference"]
    assert [(d.record, d.message) for d in dangling] == [
        (
            f"certificate {number}",
            f"证书 {number} 引用的批次 424242 不存在 / certificate {number} refers to batch 424242, which does not "
            "exist",
        )
    ]
