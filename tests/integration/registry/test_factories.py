"""The test factories produce what the issuer would: valid numbers, verifiable tokens, stored rows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from registry.db import Database
from registry.keyring import load_keyset
from registry.rules.ids import check_resident_id
from registry.rules.numbering import parse_any
from registry.rules.profiles import HUNAN
from registry.vocab import CertificateKind
from tests.factories import HOLDER_IDS, add_keys, issue_test_certificates, key_store, seed_world
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
