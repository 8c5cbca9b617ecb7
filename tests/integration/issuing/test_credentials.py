"""Credentials at issue (docs/credentials.md): every certificate issued through the API is also a signed W3C
VC, stored beside it and committed to by its issue event; revocation and supersession set its status bit
in a re-signed list in the same transaction; certificates issued before credentials get theirs by backfill."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from issuer.auth import Principal, Role
from issuer.issuing.changes import ChangeOrder, revoke_certificate
from issuer.issuing.credentials import CredentialContext, backfill
from keys.keyset import KeySet
from registry.credentials.jcs import parse
from registry.credentials.signing import verify_authority_document
from registry.credentials.status_list import Bitstring, read_status
from registry.events import EventKind, decode_entry
from registry.keyring import load_keyset
from registry.models import CertificateCredential, Event, StatusList
from registry.rules.profiles import HUNAN
from tests.factories import CITY, HOLDER_IDS, issue_test_certificates
from tests.integration.issuing.conftest import Api, World, issue_over_http
from tests.support import make_settings

PUBLIC_URL = make_settings().server.public_url
REASON = {"reason": "考试舞弊 / cheating established"}


async def _keyset(world: World) -> KeySet:
    async with world.database.reader() as session:
        return KeySet.from_json((await load_keyset(session)).to_json())


async def _credentials(world: World) -> dict[str, CertificateCredential]:
    async with world.database.reader() as session:
        rows = (await session.scalars(select(CertificateCredential))).all()
    return {row.number: row for row in rows}


async def _list(world: World, authority: str, number: int = 1) -> StatusList:
    async with world.database.reader() as session:
        row = await session.get(StatusList, (authority, number))
    assert row is not None
    return row


def _bit(list_row: StatusList, credential: CertificateCredential, keyset: KeySet) -> bool:
    verified = verify_authority_document(
        list_row.credential, keyset=keyset, public_url=PUBLIC_URL, expected_type="BitstringStatusListCredential"
    )
    document = parse(credential.credential)
    assert isinstance(document, dict)
    return read_status(document["credentialStatus"], {**verified.document, "proof": verified.proof})


def _id_number_parts(number: str) -> set[str]:
    """The full number, its region code, birth date and last four characters: what a leak would show."""
    return {number, number[:6], number[6:14], number[-4:]}


def _fixed_text(document: Any) -> set[str]:
    """Every 4- to 18-character slice of the credential's text without its random values (the identity hash, its
    salt and the proof): a random hex digest holds "1234" about once in 400 credentials, a false leak."""
    subject = document["credentialSubject"]
    identifiers = [{**one, "identityHash": "", "salt": ""} for one in subject["identifier"]]
    kept = {**document, "credentialSubject": {**subject, "identifier": identifiers}}
    text = str(kept)
    return {text[i : i + n] for n in (4, 6, 8, 18) for i in range(len(text) - n + 1)}


async def test_issuing_through_the_api_signs_stores_and_logs_each_credential(api: Api) -> None:
    numbers = await issue_over_http(api, ["张三", "李四", "王五"])
    keyset = await _keyset(api.world)
    stored = await _credentials(api.world)
    assert sorted(stored) == sorted(numbers)
    # status values in row order, one per certificate, from the authority's own counter
    assert [stored[n].status_value for n in numbers] == [1, 2, 3]
    assert [(stored[n].status_list, stored[n].status_index) for n in numbers] == [(1, 0), (1, 1), (1, 2)]
    async with api.world.database.reader() as session:
        events = {
            event.subject: decode_entry(event.data).details
            for event in await session.scalars(select(Event).where(Event.kind == EventKind.CERTIFICATE_ISSUED.value))
        }
    for number, name in zip(numbers, ["张三", "李四", "王五"], strict=True):
        row = stored[number]
        verified = verify_authority_document(
            row.credential, keyset=keyset, public_url=PUBLIC_URL, expected_type="OpenBadgeCredential"
        )
        document: Any = verified.document
        assert document["issuer"]["id"] == f"did:web:testserver:authorities:{CITY}"
        subject = document["credentialSubject"]
        assert subject["licenseNumber"] == number
        identity = subject["identifier"][0]
        assert identity["identityHash"] == "sha256$" + hashlib.sha256((name + identity["salt"]).encode()).hexdigest()
        assert name not in row.credential.decode()  # the name only hashed
        assert _id_number_parts(HOLDER_IDS[0]).isdisjoint(_fixed_text(document))  # no ID number in any form
        assert events[number]["credential_sha256"] == hashlib.sha256(row.credential).digest()
        assert events[number]["status"] == row.status_value
        assert _bit(await _list(api.world, CITY), row, keyset) is False


async def test_revoke_and_reissue_set_the_bit_in_a_re_signed_list(api: Api) -> None:
    first, second, third = await issue_over_http(api, ["张三", "李四", "王五"])
    admin = api.headers["province_admin"]
    before = await _list(api.world, CITY)
    revoked = await api.client.post(f"/v1/certificates/{first}/revoke", json=REASON, headers=admin)
    assert revoked.status_code == 200, revoked.text
    reissued = await api.client.post(f"/v1/certificates/{second}/reissue", json=REASON, headers=admin)
    assert reissued.status_code == 201, reissued.text
    successor = reissued.json()["number"]
    keyset = await _keyset(api.world)
    stored = await _credentials(api.world)
    after = await _list(api.world, CITY)
    assert after.credential != before.credential
    assert [_bit(after, stored[n], keyset) for n in (first, second, third, successor)] == [True, True, False, False]
    assert stored[successor].status_value == 4  # a new position; the old one is never reused
    bits = Bitstring.from_bytes(after.bits)
    assert [bits.get(i) for i in range(5)] == [True, True, False, False, False]  # the stored bits agree


async def test_backfill_signs_older_certificates_and_sets_bits_of_changed_ones(world: World) -> None:
    holders = [("张三", HOLDER_IDS[0]), ("李四", HOLDER_IDS[1])]
    old = await issue_test_certificates(world.database, world.store, holders)  # issued without credentials
    operator = Principal.for_operator("test", role=Role.PROVINCE_ADMIN, org_code=HUNAN.province_region)
    await revoke_certificate(
        world.database, HUNAN, old[0].number, order=ChangeOrder(reason="撤销 / revoked", caller=operator)
    )
    context = CredentialContext(public_url=PUBLIC_URL, keystore=world.store)
    now = datetime.now(UTC)
    async with world.database.transaction() as session:
        done = await backfill(session, context, actor="test", at=now, limit=100)
    assert sorted(done) == sorted(c.number for c in old)
    async with world.database.transaction() as session:
        assert await backfill(session, context, actor="test", at=now, limit=100) == []  # nothing left
    stored = await _credentials(world)
    keyset = await _keyset(world)
    async with world.database.reader() as session:
        events = {
            event.subject: decode_entry(event.data).details
            for event in await session.scalars(
                select(Event).where(Event.kind == EventKind.CERTIFICATE_CREDENTIAL.value)
            )
        }
    for certificate in old:
        row = stored[certificate.number]
        assert events[certificate.number]["credential_sha256"] == hashlib.sha256(row.credential).digest()
        status_list = await _list(world, row.authority_code)
        assert _bit(status_list, row, keyset) is (certificate.number == old[0].number)
