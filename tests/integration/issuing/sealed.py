"""Issued batches whose holders have sealed identities (what an upload stores), for the document tests.

Rows are made by :func:`tests.integration.issuing.batches.make_batch`; their documents are sealed by the
real sealer (:func:`issuer.identity.sealer.seal_documents`) and the batch is issued by the real service."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Unpack

from sqlalchemy import select

from issuer.identity.sealer import seal_documents
from issuer.issuing.service import issue_batch
from issuer.keystore import KeyStore
from registry.calendar import province_day
from registry.config import Settings
from registry.db import Database
from registry.models import BatchRow, Certificate
from registry.rules.documents import holder_document
from registry.rules.profiles import HUNAN
from tests.integration.issuing.batches import OPERATOR, BatchOptions, Row, make_batch, rows_of
from tests.integration.issuing.conftest import Api
from tests.support import make_settings


def settings_of(api: Api) -> Settings:
    """The settings the ``api`` app runs with (same key directory: same KEK, same file store)."""
    return make_settings(database_url=api.world.database.url, key_dir=str(api.world.key_dir))


async def sealed_batch(
    api: Api, rows: Sequence[Row] | None = None, **batch: Unpack[BatchOptions]
) -> tuple[int, list[Certificate]]:
    """An issued batch (default: three skill-level rows with real ID numbers) whose rows' documents are sealed;
    returns its id and certificates in row order."""
    return await seal_and_issue(api.world.database, api.world.store, settings_of(api), rows, **batch)


async def seal_and_issue(
    database: Database,
    store: KeyStore,
    settings: Settings,
    rows: Sequence[Row] | None = None,
    **batch: Unpack[BatchOptions],
) -> tuple[int, list[Certificate]]:
    """:func:`sealed_batch` on any database, key store and settings."""
    rows = list(rows if rows is not None else rows_of(3))
    batch_id = await make_batch(database, rows, **batch)
    today = province_day(datetime.now(UTC))
    documents = [holder_document(HUNAN, None, row.holder_id or "", today=today) for row in rows]
    async with database.transaction() as session:
        stored = (
            await session.scalars(select(BatchRow).where(BatchRow.batch_id == batch_id).order_by(BatchRow.row_no))
        ).all()
        ids = await seal_documents(session, settings, documents, today=today)
        for row, identity_id in zip(stored, ids, strict=True):
            row.holder_identity_id = identity_id
    await issue_batch(database, store, HUNAN, batch_id, caller=OPERATOR)
    async with database.reader() as session:
        query = select(Certificate).where(Certificate.batch_id == batch_id).order_by(Certificate.batch_row_no)
        return batch_id, list((await session.scalars(query)).all())
