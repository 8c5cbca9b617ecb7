"""Issuing at scale on PostgreSQL: after a bulk issue the statistics are fresh, and the duplicate check of
the next upload is one array-parameter statement whose *generic* plan (the one PostgreSQL caches after a few
runs) uses the holder index: issue 12, where a cached plan made on an empty table scanned 110,000 rows per
chunk. Shown with EXPLAIN, not with a timing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from issuer.batches.refstore import holder_certificates, valid_certificates
from issuer.issuing.service import issue_batch
from registry.db import Database
from registry.models import Certificate
from registry.rules.profiles import HUNAN
from registry.sets import member_of
from registry.vocab import CertificateKind
from tests.factories import add_keys, key_store, seed_world
from tests.integration.issuing.batches import OPERATOR, Row, make_batch
from tests.support import scratch_database

ISSUED = 20_000


async def _generic_plan(database: Database, digests: list[bytes]) -> str:
    (condition,) = member_of(Certificate.holder_id_digest, digests, "postgresql")
    query = holder_certificates(CertificateKind.SKILL_LEVEL, condition)
    compiled = query.compile(dialect=database.write_engine.dialect)
    async with database.write_engine.connect() as conn:
        raw: Any = (await conn.get_raw_connection()).driver_connection
        await raw.execute(f"PREPARE duplicates AS {compiled}")
        await raw.execute("SET plan_cache_mode = force_generic_plan")
        try:
            rows = await raw.fetch("EXPLAIN EXECUTE duplicates(ARRAY['\\x00'::bytea], 'skill_level')")
        finally:
            await raw.execute("DEALLOCATE duplicates")
            await raw.execute("RESET plan_cache_mode")
    return "\n".join(row[0] for row in rows)


@pytest.fixture
async def pg_database(pg_url: str) -> AsyncIterator[Database]:
    """PostgreSQL only: the plan cache and the statistics are PostgreSQL's."""
    async with scratch_database(pg_url) as database:
        yield database


@pytest.mark.postgres
async def test_after_a_bulk_issue_the_next_uploads_duplicate_check_uses_the_index(
    pg_database: Database, tmp_path: Path
) -> None:
    database = pg_database
    await seed_world(database)
    store = key_store(tmp_path / "keys")
    await add_keys(database, store)
    batch = await make_batch(database, [Row(name=f"学员{i:06d}") for i in range(ISSUED)])
    await issue_batch(database, store, HUNAN, batch, caller=OPERATOR)
    async with database.reader() as session:
        counted = await session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'certificate'"))
    assert counted is not None
    assert counted >= ISSUED * 0.9, "issuing analysed the table it grew"

    plan = await _generic_plan(database, [bytes(32)])
    assert "ix_certificate_holder" in plan, plan
    assert "Seq Scan on certificate" not in plan, plan

    newcomers = [i.to_bytes(32, "big") for i in range(5000)]  # the next upload: 5,000 holders
    async with database.reader() as session:
        assert await valid_certificates(session, CertificateKind.SKILL_LEVEL, newcomers) == {}
