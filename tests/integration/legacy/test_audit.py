"""``certreg audit`` covers imported certificates and identity reads (issue 13 phase 2): clean after an import
and a province admin's read; a certificate moved onto another holder's sealed identity, an identity read no
province admin made, and an import event naming no imported certificate are each found."""

from __future__ import annotations

from sqlalchemy import select, update

from issuer.auth import Role
from registry.audit.findings import Discrepancy, Finding
from registry.audit.run import run_audit
from registry.events import EventKind, NewEvent, append_events
from registry.models import Certificate
from tests.integration.legacy.conftest import World
from tests.integration.legacy.files import csv_bytes, mixed_rows


def _ours(found: list[Discrepancy]) -> list[Discrepancy]:
    """All but the factories' filings, which are seeded without their filing.created events."""
    return [d for d in found if d.kind is not Finding.FILING_UNLOGGED]


async def test_the_audit_covers_imports_and_identity_reads(world: World) -> None:
    rows = mixed_rows()
    assert (await world.post(csv_bytes(rows))).status_code == 201
    read = await world.client.post(
        f"/v1/certificates/{rows[1][0]}/identity",
        json={"reason": "核对 / check"},
        headers={"Authorization": f"Bearer {world.tokens[Role.PROVINCE_ADMIN]}"},
    )
    assert read.status_code == 200, read.text
    report = await run_audit(world.database, world.settings.transparency.log_origin)
    assert _ours(report.discrepancies) == []  # certificates, prints, imports, reads: all as logged
    assert (report.identity_reads, report.certificates) == (1, 3)

    async with world.database.transaction() as session:  # the first two certificates swap identities
        first = await session.scalar(select(Certificate.holder_identity_id).where(Certificate.number == rows[0][0]))
        second = await session.scalar(select(Certificate.holder_identity_id).where(Certificate.number == rows[1][0]))
        for number, identity in ((rows[0][0], second), (rows[1][0], first)):
            await session.execute(
                update(Certificate).where(Certificate.number == number).values(holder_identity_id=identity)
            )
        await append_events(
            session,
            [
                NewEvent(kind=EventKind.IDENTITY_READ, subject=rows[2][0], actor="token:9:city_reviewer:430100",
                         reason="好奇 / curious"),
                NewEvent(kind=EventKind.CERTIFICATE_IMPORTED, subject="NO-SUCH-NUMBER",
                         actor="cli:x:province_admin:430000", reason="imported from nowhere"),
            ],
        )  # fmt: skip
    report = await run_audit(world.database, world.settings.transparency.log_origin)
    found = sorted((d.kind, d.record) for d in _ours(report.discrepancies))
    assert found == sorted(
        [
            (Finding.IDENTITY_MISMATCH, rows[0][0]),
            (Finding.IDENTITY_MISMATCH, rows[1][0]),
            (Finding.IDENTITY_READ_INVALID, f"leaf {report.leaves - 2}"),
            (Finding.IMPORT_INVALID, "NO-SUCH-NUMBER"),
        ]
    )
