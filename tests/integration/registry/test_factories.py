"""The test factories produce what the issuer would: valid numbers, verifiable tokens, stored rows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select

from keys.keyset import KeySet
from registry.db import Database
from registry.keyring import load_keyset
from registry.models import Certificate, Event
from registry.qrtoken import encode_token
from registry.rules.ids import check_resident_id
from registry.rules.numbering import parse_any
from registry.rules.profiles import HUNAN
from registry.vocab import CertificateKind
from tests.factories import HOLDER_IDS, add_keys, issue_test_certificates, key_store, seed_world
from tests.factories.batches import issue_through_workflow
from tests.support import make_settings
from verify.verifier import verify_token


async def test_factory_certificates_verify_offline(database: Database, tmp_path: Path) -> None:
    assert all(check_resident_id(i, today=date(2026, 11, 24)) is None for i in HOLDER_IDS)
    await seed_world(database)
    store = key_store(tmp_path / "keys")
    await add_keys(database, store)
    made = await issue_test_certificates(database, store, [("张三", HOLDER_IDS[0]), ("李四", HOLDER_IDS[1])])
    async with database.reader() as session:
        keyset = await load_keyset(session)
    for cert in made:
        verdict = verify_token(cert.token, keyset)
        assert verdict.valid, verdict.reason
        kind, parts = parse_any(HUNAN, cert.number)
        assert kind is CertificateKind.SKILL_LEVEL
        assert parts.level == 3
    assert [parse_any(HUNAN, c.number)[1].sequence for c in made] == [1, 2]


async def test_a_batch_issued_through_the_workflow_is_numbered_signed_and_attributed_step_by_step(
    database: Database, tmp_path: Path
) -> None:
    await seed_world(database)
    store = key_store(tmp_path / "keys")
    await add_keys(database, store)
    settings = make_settings(database_url=database.url)
    result = await issue_through_workflow(database, settings, store, [("张三", HOLDER_IDS[0]), ("李四", HOLDER_IDS[1])])
    assert result.state == "issued"
    assert [parse_any(HUNAN, n)[1].sequence for n in result.numbers] == [1, 2]
    async with database.reader() as session:
        keyset = await load_keyset(session)
        tokens = (await session.scalars(select(Certificate).order_by(Certificate.number))).all()
        actors = (
            await session.execute(
                select(Event.kind, Event.actor).where(Event.subject == f"batch:{result.batch_id}").order_by(Event.idx)
            )
        ).all()
    assert all(verify_statement_of(c, keyset) for c in tokens)
    assert [kind for kind, _ in actors] == [
        "batch.submitted", "batch.city_reviewed", "batch.province_approved", "batch.notice_started", "batch.issued",
    ]  # fmt: skip
    assert len({actor for _, actor in actors[:3]}) == 3  # separation of duties: three different operators


def verify_statement_of(certificate: Certificate, keyset: KeySet) -> bool:
    return verify_token(encode_token(certificate.statement, certificate.signature), keyset).valid
