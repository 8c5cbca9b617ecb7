"""``certreg audit`` covers imported certificates and identity reads (issue 13 phase 2): clean after an import
and a province admin's read; a certificate moved onto another holder's sealed identity, an identity read no
province admin made, and an import event naming no imported certificate are each found."""

from __future__ import annotations

import contextlib
import sqlite3

from sqlalchemy import delete, select, update

from issuer.auth import Role
from registry.audit.findings import Discrepancy, Finding
from registry.audit.run import run_audit
from registry.events import EventKind, NewEvent, append_events
from registry.models import Certificate, DataKeyRow, HolderIdentity
from tests.integration.legacy.conftest import World
from tests.integration.legacy.files import csv_bytes, mixed_rows
from tests.integration.log.tampering import sql


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


async def _imported(world: World) -> list[tuple[str, str]]:
    """Three legacy certificates imported, each with its sealed identity: (number, identity id) of each."""
    assert (await world.post(csv_bytes(mixed_rows()))).status_code == 201
    async with world.database.reader() as session:
        rows = await session.execute(
            select(Certificate.number, Certificate.holder_identity_id).order_by(Certificate.number)
        )
        return [(number, identity) for number, identity in rows if identity is not None]


async def _set_identity(world: World, identity: str, **values: object) -> None:
    async with world.database.transaction() as session:
        await session.execute(update(HolderIdentity).where(HolderIdentity.id == identity).values(**values))


async def _identity_findings(world: World) -> dict[tuple[str, str], str]:
    report = await run_audit(world.database, world.settings.transparency.log_origin)
    return {(d.kind.value, d.record): d.message for d in _ours(report.discrepancies)}


async def test_a_sealed_number_that_is_no_sealed_value_is_found(world: World) -> None:
    """Cut short, or with a version no registry wrote: no key could open it, and the audit says so without
    the key-encryption key."""
    (_, short), (_, versioned), _ = await _imported(world)
    async with world.database.reader() as session:
        sealed = await session.scalar(select(HolderIdentity.number_sealed).where(HolderIdentity.id == versioned))
    assert sealed is not None
    await _set_identity(world, short, number_sealed=b"\x01" + bytes(20))
    await _set_identity(world, versioned, number_sealed=b"\x02" + sealed[1:])
    found = await _identity_findings(world)
    assert set(found) == {
        (Finding.IDENTITY_SEALED_INVALID.value, f"identity {short}"),
        (Finding.IDENTITY_SEALED_INVALID.value, f"identity {versioned}"),
    }
    assert (
        "number_sealed: a sealed value is shorter than its header, nonce and tag"
        in found[(Finding.IDENTITY_SEALED_INVALID.value, f"identity {short}")]
    )
    assert "unknown sealed-value version 2" in found[(Finding.IDENTITY_SEALED_INVALID.value, f"identity {versioned}")]


async def test_a_sealed_number_under_no_stored_data_key_is_found(world: World) -> None:
    (_, identity), *_ = await _imported(world)
    async with world.database.reader() as session:
        sealed = await session.scalar(select(HolderIdentity.number_sealed).where(HolderIdentity.id == identity))
    assert sealed is not None
    await _set_identity(world, identity, number_sealed=sealed[:1] + b"\xee" * 16 + sealed[17:])
    found = await _identity_findings(world)
    assert set(found) == {(Finding.IDENTITY_UNKNOWN_DATA_KEY.value, f"identity {identity}")}
    assert "7u7u7u7u7u7u7u7u7u7u7g" in found[(Finding.IDENTITY_UNKNOWN_DATA_KEY.value, f"identity {identity}")]


async def test_identities_whose_data_key_row_is_gone_are_found(world: World) -> None:
    imported = await _imported(world)
    async with world.database.transaction() as session:
        await session.execute(delete(DataKeyRow))
    found = await _identity_findings(world)
    assert set(found) == {(Finding.IDENTITY_UNKNOWN_DATA_KEY.value, f"identity {i}") for _, i in imported}


async def test_a_sealed_photo_that_is_no_sealed_value_is_found(world: World) -> None:
    (_, identity), *_ = await _imported(world)
    await _set_identity(world, identity, photo_sealed=b"\x01not a photo")
    found = await _identity_findings(world)
    assert set(found) == {(Finding.IDENTITY_SEALED_INVALID.value, f"identity {identity}")}
    assert "photo_sealed" in found[(Finding.IDENTITY_SEALED_INVALID.value, f"identity {identity}")]


async def test_a_certificate_linked_to_no_identity_is_found(world: World) -> None:
    """The link's foreign key refuses it, so it takes an insider: PostgreSQL's replica role, or SQLite's own
    library with foreign keys off (the default of a plain ``sqlite3`` connection)."""
    (number, _), *_ = await _imported(world)
    gone = "f" * 32
    change = update(Certificate).where(Certificate.number == number).values(holder_identity_id=gone)
    if world.database.dialect == "postgresql":
        await sql(world.database, change)
    else:
        path = world.database.url.split("///", 1)[1]
        with contextlib.closing(sqlite3.connect(path)) as connection, connection:
            connection.execute("UPDATE certificate SET holder_identity_id = ? WHERE number = ?", (gone, number))
    found = await _identity_findings(world)
    assert set(found) == {(Finding.IDENTITY_DANGLING.value, number)}
    assert "no sealed identity" in found[(Finding.IDENTITY_DANGLING.value, number)]
