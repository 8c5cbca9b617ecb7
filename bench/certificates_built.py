"""The build-once path of issue 15 phase 2, on PostgreSQL: a batch's ``qr.zip`` and ``certificates.zip``
built from the registry by :class:`issuer.artefacts.services.Artefacts` and served again from the kept file.

A scratch database (``bench.database``) is seeded, a batch of ``qr_rows`` rows is issued (not timed) and its
``qr.zip`` built (timed: database pages, QR codes on every core, the zip written, the row stored), then
downloaded again (timed: the freshness check, the ``batch.documents``-free QR path, every byte read from the
kept file). A second batch of ``pdf_rows`` rows with sealed identities (synthetic valid resident IDs, sealed
by the real sealer) is issued and its electronic ``certificates.zip`` built (timed: identities opened,
PDFs on every core, zip written). Used by ``bench/certificates.py``.
"""

from __future__ import annotations

import resource
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import msgspec
from sqlalchemy import select

from bench.database import ScratchDatabase
from issuer.artefacts.services import Artefacts
from issuer.artefacts.store import ArtefactKind
from issuer.auth import Principal, Role
from issuer.identity.sealer import seal_documents
from issuer.issuing.service import issue_batch
from issuer.keystore import KeyStore
from registry.calendar import province_day
from registry.config import Settings
from registry.db import Database
from registry.models import BatchRow
from registry.rules.documents import holder_document
from registry.rules.profiles import HUNAN
from tests.factories import add_keys, key_store, seed_world
from tests.factories.world import resident_id
from tests.integration.issuing.batches import Row, make_batch
from tests.support import make_settings

OPERATOR = Principal.for_operator("bench", role=Role.PROVINCE_ADMIN, org_code="430000")
PUBLIC_URL = "https://zscx.rst.example.gov.cn"


def cpu_seconds() -> float:
    """CPU seconds of this process and of its children that have ended (a build's worker pool ends with it);
    PostgreSQL's own CPU is not counted."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class BuiltFigures(msgspec.Struct, frozen=True, kw_only=True):
    qr_rows: int
    qr_build_seconds: float
    qr_build_cpu: float
    qr_cached_seconds: float
    qr_bytes: int
    pdf_rows: int
    pdf_build_seconds: float | None
    pdf_build_cpu: float | None
    pdf_bytes: int | None


async def _issued(database: Database, store: KeyStore, settings: Settings, rows: int, *, sealed: bool) -> int:
    ids = [resident_id(n) for n in range(rows)] if sealed else [None] * rows
    batch_id = await make_batch(database, [Row(name=f"学员{n:06d}", holder_id=ids[n]) for n in range(rows)])
    if sealed:
        today = province_day(datetime.now(UTC))
        documents = [holder_document(HUNAN, None, number or "", today=today) for number in ids]
        async with database.transaction() as session:
            stored = (
                await session.scalars(select(BatchRow).where(BatchRow.batch_id == batch_id).order_by(BatchRow.row_no))
            ).all()
            for row, identity_id in zip(stored, await seal_documents(session, settings, documents, today=today),
                                        strict=True):  # fmt: skip
                row.holder_identity_id = identity_id
    await issue_batch(database, store, HUNAN, batch_id, caller=OPERATOR)
    return batch_id


async def _read_all(artefacts: Artefacts, batch_id: int, kind: ArtefactKind, variant: str) -> tuple[int, int]:
    found = await artefacts.batch_file(OPERATOR, batch_id, kind, variant)
    total = 0
    with found.handle:
        while block := found.handle.read(256 * 1024):
            total += len(block)
    return total, found.rendered


async def measure(scratch: ScratchDatabase, *, qr_rows: int, pdf_rows: int) -> BuiltFigures:
    """Build and serve again; the scratch database and the file store are removed at the end."""
    directory = Path(tempfile.mkdtemp(prefix="certreg-bench-built-"))
    database: Database | None = None
    try:
        database = Database(await scratch.create())
        await seed_world(database)
        store = key_store(directory / "keys")
        await add_keys(database, store)
        settings = make_settings(database_url=database.url, key_dir=str(directory / "keys"), public_url=PUBLIC_URL)
        artefacts = Artefacts(database, settings)
        qr_batch = await _issued(database, store, settings, qr_rows, sealed=False)
        start, cpu = time.perf_counter(), cpu_seconds()
        built = await artefacts.ensure(qr_batch, ArtefactKind.QR_ZIP, "token")
        qr_build, qr_cpu = time.perf_counter() - start, cpu_seconds() - cpu
        start = time.perf_counter()
        size, rendered = await _read_all(artefacts, qr_batch, ArtefactKind.QR_ZIP, "token")
        qr_cached = time.perf_counter() - start
        assert (size, rendered) == (built.size, 0), "the second download drew again"
        pdf_build = pdf_cpu = None
        pdf_bytes = None
        if pdf_rows:
            pdf_batch = await _issued(database, store, settings, pdf_rows, sealed=True)
            start, cpu = time.perf_counter(), cpu_seconds()
            pdfs = await artefacts.ensure(pdf_batch, ArtefactKind.CERTIFICATES_ZIP, "electronic")
            pdf_build, pdf_cpu, pdf_bytes = time.perf_counter() - start, cpu_seconds() - cpu, pdfs.size
            assert (pdfs.members, pdfs.failures) == (pdf_rows, 0)
        return BuiltFigures(
            qr_rows=qr_rows, qr_build_seconds=qr_build, qr_build_cpu=qr_cpu, qr_cached_seconds=qr_cached,
            qr_bytes=size, pdf_rows=pdf_rows, pdf_build_seconds=pdf_build, pdf_build_cpu=pdf_cpu, pdf_bytes=pdf_bytes,
        )  # fmt: skip
    finally:
        if database is not None:
            await database.dispose()
        await scratch.drop()
        shutil.rmtree(directory, ignore_errors=True)
