"""``certreg audit`` keeps the guarantee of the foreign keys migration 0012 dropped: a certificate row whose
institution, authority, batch or key does not exist (written by hand, past the per-batch check) is reported,
named by its number and the missing value."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, update

from registry.audit.run import run_audit
from registry.db import Database
from registry.models import Certificate, CertificateCredential
from tests.factories.world import PROVINCE
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


async def test_the_audit_reports_a_credential_whose_certificate_or_key_is_gone(
    database: Database, tmp_path: Path
) -> None:
    """Migration 0013 dropped the credential's foreign keys too: a credential row naming a certificate and a
    key that do not exist is reported once per missing reference."""
    await build(database, tmp_path / "keys", count=1)
    await sql(
        database,
        insert(CertificateCredential).values(
            number="GONE-1", authority_code=PROVINCE, status_value=7, status_list=0, status_index=7,
            kid="NOSUCHKEY00", credential=b"{}", log_index=0, created_at=datetime.now(UTC),
        ),
    )  # fmt: skip
    report = await run_audit(database, ORIGIN)
    dangling = [d for d in report.discrepancies if d.kind.value == "credential.dangling_reference"]
    assert [(d.record, d.message) for d in dangling] == [
        (
            "credential GONE-1",
            "证书的凭证 GONE-1 引用的证书 GONE-1 不存在 / the credential of certificate GONE-1 refers to certificate "
            "GONE-1, which does not exist",
        ),
        (
            "credential GONE-1",
            "证书的凭证 GONE-1 引用的密钥 NOSUCHKEY00 不存在 / the credential of certificate GONE-1 refers to key "
            "NOSUCHKEY00, which does not exist",
        ),
    ]
