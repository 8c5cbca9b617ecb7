"""Special-ability numbers end in a MOD 37-2 check character, which is '*' for one number in 37: such a
certificate is signed, stored and verified like any other (the 8th of a Hunan 2026 scope ends in '*')."""

from __future__ import annotations

from registry.db import Database
from registry.vocab import CertificateKind
from tests.factories import CITY, EMBROIDERY, HOLDER_IDS, SITE, issue_test_certificates
from tests.integration.verify.world import World, verify_client


async def test_a_star_numbered_certificate_verifies(world: World, database: Database) -> None:
    holders = [(f"考生{i}", HOLDER_IDS[i % len(HOLDER_IDS)]) for i in range(12)]
    made = await issue_test_certificates(
        database, world.store, holders, kind=CertificateKind.SPECIAL_ABILITY, subject=EMBROIDERY,
        institution=SITE, authority=CITY,
    )  # fmt: skip
    starred = [cert for cert in made if cert.number.endswith("*")]
    assert starred, [cert.number for cert in made]
    cert = starred[0]
    async with verify_client(database.url) as client:
        api = await client.post("/v1/verify", json={"number": cert.number, "name": cert.holder_name})
        qr = await client.get(f"/v1/qr/{cert.token}")
        short = await client.get(f"/c/{cert.number}")
    assert api.status_code == 200
    assert api.json()["result"] == "valid"
    assert qr.json()["result"] == "valid"
    assert short.status_code == 200
    assert cert.number in short.text
