"""``certreg audit`` checks each stored status list (registry/credentials/status_list.py) against the log: its
bits, and the bits of the signed ``BitstringStatusListCredential`` a verifier reads, must be set exactly for the
certificates whose events revoked or superseded them, and the list's proof must verify under a key the log
records for its authority (docs/credentials.md "Status lists", docs/log.md). A revoked certificate shown valid
in a list, a valid one shown revoked, a list re-signed by a stranger or deleted, is found and named by its
authority and list number."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import nacl.signing
from sqlalchemy import delete, select, update

from issuer.auth import Principal, Role
from issuer.issuing.changes import ChangeOrder, revoke_certificate
from issuer.issuing.credentials import CredentialContext, backfill
from registry.audit.findings import Finding
from registry.audit.run import run_audit
from registry.credentials.jcs import canonicalize
from registry.credentials.multibase import multibase_base64url
from registry.credentials.status_list import Bitstring
from registry.models import CertificateCredential, StatusList
from registry.rules.profiles import HUNAN
from tests.factories import CITY, HOLDER_IDS, issue_test_certificates
from tests.integration.cli.support import command_env, invoke
from tests.integration.issuing.conftest import Api, World, api, issue_over_http, world  # noqa: F401 - fixtures
from tests.support import make_settings

PUBLIC_URL = make_settings().server.public_url
ORIGIN = make_settings().transparency.log_origin
REASON = {"reason": "考试舞弊 / cheating established"}
LIST = f"status list {CITY}/1"


async def _issued_and_revoked(api: Api) -> tuple[str, str, str]:  # noqa: F811 - the fixture's name
    """Three certificates issued; the first revoked (its bit set). Their numbers."""
    first, second, third = await issue_over_http(api, ["甲", "乙", "丙"])
    revoked = await api.client.post(
        f"/v1/certificates/{first}/revoke", json=REASON, headers=api.headers["province_admin"]
    )
    assert revoked.status_code == 200, revoked.text
    return first, second, third


async def _index(api: Api, number: str) -> int:  # noqa: F811
    async with api.world.database.reader() as session:
        index = await session.scalar(
            select(CertificateCredential.status_index).where(CertificateCredential.number == number)
        )
    assert index is not None
    return index


async def _stored(api: Api) -> StatusList:  # noqa: F811
    async with api.world.database.reader() as session:
        row = await session.get(StatusList, (CITY, 1))
    assert row is not None
    return row


async def _write(api: Api, **values: object) -> None:  # noqa: F811
    async with api.world.database.transaction() as session:
        await session.execute(
            update(StatusList).where(StatusList.authority_code == CITY, StatusList.list_number == 1).values(**values)
        )


def _flipped(raw: bytes, index: int) -> bytes:
    bits = bytearray(raw)
    bits[index // 8] ^= 0x80 >> (index % 8)
    return bytes(bits)


async def _findings(api: Api) -> dict[tuple[str, str], str]:  # noqa: F811
    report = await run_audit(api.world.database, ORIGIN, public_url=PUBLIC_URL, processes=1)
    assert report.status_lists >= 1
    return {(d.kind.value, d.record): d.message for d in report.discrepancies if d.kind.startswith("status_list")}


async def test_untouched_status_lists_pass(api: Api) -> None:  # noqa: F811
    await _issued_and_revoked(api)
    assert await _findings(api) == {}


async def test_a_cleared_bit_of_a_revoked_certificate_is_found(api: Api) -> None:  # noqa: F811
    first, _, _ = await _issued_and_revoked(api)
    row = await _stored(api)
    await _write(api, bits=_flipped(row.bits, await _index(api, first)))
    found = await _findings(api)
    assert set(found) == {(Finding.STATUS_LIST_CHANGED.value, LIST)}
    message = found[(Finding.STATUS_LIST_CHANGED.value, LIST)]
    assert f"bits: the bit of {first}" in message
    assert "revoked or superseded" in message


async def test_a_set_bit_of_a_valid_certificate_is_found(api: Api) -> None:  # noqa: F811
    _, second, _ = await _issued_and_revoked(api)
    row = await _stored(api)
    index = await _index(api, second)
    await _write(api, bits=_flipped(row.bits, index))
    message = (await _findings(api))[(Finding.STATUS_LIST_CHANGED.value, LIST)]
    assert f"bits: bit(s) {index} set" in message


async def test_a_signed_list_with_a_bit_cleared_fails_its_proof_and_its_bits(api: Api) -> None:  # noqa: F811
    """The served credential's ``encodedList`` changed (the revoked certificate shown valid) without the
    authority's key: its proof no longer verifies, and its bits are not the log's."""
    first, _, _ = await _issued_and_revoked(api)
    row = await _stored(api)
    document = json.loads(row.credential)
    cleared = _flipped(row.bits, await _index(api, first))
    document["credentialSubject"]["encodedList"] = multibase_base64url(gzip.compress(cleared, mtime=0))
    await _write(api, credential=canonicalize(document))
    found = await _findings(api)
    assert set(found) == {(Finding.STATUS_LIST_CHANGED.value, LIST), (Finding.STATUS_LIST_BAD_PROOF.value, LIST)}
    assert f"encodedList: the bit of {first}" in found[(Finding.STATUS_LIST_CHANGED.value, LIST)]


async def test_a_list_re_signed_by_a_stranger_is_found(api: Api) -> None:  # noqa: F811
    await _issued_and_revoked(api)
    document = json.loads((await _stored(api)).credential)
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    stranger = nacl.signing.SigningKey.generate()
    document["proof"]["proofValue"] = (
        "z" + stranger.sign(hashlib.sha256(canonicalize(unsigned)).digest()).signature.hex()
    )
    await _write(api, credential=canonicalize(document))
    assert set(await _findings(api)) == {(Finding.STATUS_LIST_BAD_PROOF.value, LIST)}


async def test_stored_bits_that_are_no_status_list_are_found(api: Api) -> None:  # noqa: F811
    await _issued_and_revoked(api)
    await _write(api, bits=b"\x00" * 10)
    message = (await _findings(api))[(Finding.STATUS_LIST_CHANGED.value, LIST)]
    assert "bits: not a status list" in message


async def test_a_deleted_status_list_is_found(api: Api) -> None:  # noqa: F811
    await _issued_and_revoked(api)
    async with api.world.database.transaction() as session:
        await session.execute(delete(StatusList))
    report = await run_audit(api.world.database, ORIGIN, public_url=PUBLIC_URL, processes=1)
    found = {(d.kind.value, d.record) for d in report.discrepancies if d.kind.startswith("status_list")}
    assert found == {(Finding.STATUS_LIST_DELETED.value, LIST)}


async def test_bits_agree_with_the_stored_list_is_not_enough(api: Api) -> None:  # noqa: F811
    """Both the stored bits and a freshly encoded list agree with each other but not with the log (a bit
    of a valid certificate set in both): each is reported."""
    _, _, third = await _issued_and_revoked(api)
    row = await _stored(api)
    index = await _index(api, third)
    flipped = _flipped(row.bits, index)
    assert Bitstring.from_bytes(flipped).get(index)
    document = json.loads(row.credential)
    document["credentialSubject"]["encodedList"] = multibase_base64url(gzip.compress(flipped, mtime=0))
    await _write(api, bits=flipped, credential=canonicalize(document))
    message = (await _findings(api))[(Finding.STATUS_LIST_CHANGED.value, LIST)]
    assert f"bits: bit(s) {index} set" in message
    assert f"encodedList: bit(s) {index} set" in message


async def test_the_cli_names_the_changed_list_and_exits_1(api: Api, db_url: str, tmp_path: Path) -> None:  # noqa: F811
    first, _, _ = await _issued_and_revoked(api)
    row = await _stored(api)
    await _write(api, bits=_flipped(row.bits, await _index(api, first)))
    env = command_env(db_url, api.world.key_dir, CERTREG_PUBLIC_URL=PUBLIC_URL)
    # the command runs its own event loop: off this test's
    result = await asyncio.to_thread(invoke, env, "audit", "--state", str(tmp_path / "state.json"))
    assert result.exit_code == 1, result.output
    lines = [line.split("\t") for line in result.output.splitlines() if "\t" in line]
    assert [Finding.STATUS_LIST_CHANGED.value, LIST] in [line[:2] for line in lines], result.output
    assert "1 status lists" in result.output


async def test_a_certificate_revoked_before_its_credential_was_backfilled_has_its_bit(world: World) -> None:  # noqa: F811
    """``certreg credentials backfill`` sets the bit of a certificate revoked before it had a credential: the
    list agrees with the log, and with that bit cleared it no longer does."""
    holders = [("张三", HOLDER_IDS[0]), ("李四", HOLDER_IDS[1])]
    old = await issue_test_certificates(world.database, world.store, holders)  # issued without credentials
    operator = Principal.for_operator("test", role=Role.PROVINCE_ADMIN, org_code=HUNAN.province_region)
    order = ChangeOrder(reason="撤销 / revoked", caller=operator)
    await revoke_certificate(world.database, HUNAN, old[0].number, order=order)
    async with world.database.transaction() as session:
        context = CredentialContext(public_url=PUBLIC_URL, keystore=world.store)
        await backfill(session, context, actor="test", at=datetime.now(UTC), limit=100)
    report = await run_audit(world.database, ORIGIN, public_url=PUBLIC_URL, processes=1)
    assert [d for d in report.discrepancies if d.kind.startswith("status_list")] == []
    async with world.database.reader() as session:
        row = await session.get(CertificateCredential, old[0].number)
        assert row is not None
        index, authority = row.status_index, row.authority_code
        stored = await session.get(StatusList, (authority, 1))
        assert stored is not None
    async with world.database.transaction() as session:
        await session.execute(
            update(StatusList).where(StatusList.authority_code == authority).values(bits=_flipped(stored.bits, index))
        )
    report = await run_audit(world.database, ORIGIN, public_url=PUBLIC_URL, processes=1)
    found = [d for d in report.discrepancies if d.kind.startswith("status_list")]
    assert [(d.kind.value, d.record) for d in found] == [("status_list.changed", f"status list {authority}/1")]
    assert f"bits: the bit of {old[0].number} is clear" in found[0].message
