"""The references foreign keys no longer check (migration 0012) are checked once per stored batch: a batch
naming an institution, authority, batch or key that does not exist is refused whole, with every missing value
named, and nothing of it is stored."""

from __future__ import annotations

import msgspec
import pytest
from sqlalchemy import func, select

from registry.certificates import NewCertificate, store_certificates
from registry.db import Database
from registry.errors import MissingReferenceError
from registry.models import Certificate, Event
from tests.integration.registry.test_certificates import _cert, _seed


def dangling(number: str) -> NewCertificate:
    """A certificate naming an institution and a batch that do not exist."""
    return msgspec.structs.replace(_cert(number), institution_code="NOPE", batch_id=424242)


async def test_a_batch_with_a_dangling_reference_is_refused_whole(database: Database) -> None:
    await _seed(database)
    with pytest.raises(MissingReferenceError) as refused:
        async with database.transaction() as session:
            await store_certificates(session, [_cert("N1"), dangling("N2"), _cert("N3")], actor="tester")
    assert str(refused.value) == (
        "证书引用的记录不存在：机构 NOPE、批次 424242 / certificates refer to what does not exist: "
        "institution NOPE, batch 424242"
    )
    async with database.reader() as session:
        assert await session.scalar(select(func.count()).select_from(Certificate)) == 0
        assert await session.scalar(select(func.count()).select_from(Event)) == 0


async def test_a_batch_whose_references_exist_is_stored(database: Database) -> None:
    await _seed(database)
    async with database.transaction() as session:
        await store_certificates(session, [_cert(f"N{i}") for i in range(3)], actor="tester")
    async with database.reader() as session:
        assert await session.scalar(select(func.count()).select_from(Certificate)) == 3
