"""``certreg audit`` checks each stored W3C credential against the SHA-256 its event commits to and its proof
against the authority key (docs/credentials.md): a credential changed behind the registry's back, one
re-signed by a stranger's key, or one deleted, is found and named by its certificate number."""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path

import nacl.signing
from sqlalchemy import delete, select, update

from registry.audit.findings import Finding
from registry.audit.run import run_audit
from registry.credentials.jcs import canonicalize
from registry.models import CertificateCredential
from tests.integration.cli.support import command_env, invoke
from tests.integration.issuing.conftest import Api, api, issue_over_http, world  # noqa: F401 - fixtures
from tests.support import make_settings

PUBLIC_URL = make_settings().server.public_url
ORIGIN = make_settings().transparency.log_origin


async def _issue(api: Api) -> list[str]:  # noqa: F811 - the fixture's name
    return await issue_over_http(api, ["甲", "乙"])


async def _stored(api: Api, number: str) -> bytes:  # noqa: F811
    async with api.world.database.reader() as session:
        row = await session.get(CertificateCredential, number)
    assert row is not None
    return row.credential


async def _store(api: Api, number: str, credential: bytes) -> None:  # noqa: F811
    async with api.world.database.transaction() as session:
        await session.execute(
            update(CertificateCredential).where(CertificateCredential.number == number).values(credential=credential)
        )


async def _findings(api: Api) -> set[tuple[str, str]]:  # noqa: F811
    report = await run_audit(api.world.database, ORIGIN, public_url=PUBLIC_URL, processes=1)
    return {(found.kind.value, found.record) for found in report.discrepancies if found.kind.startswith("credential")}


async def test_untouched_credentials_pass(api: Api) -> None:  # noqa: F811
    await _issue(api)
    report = await run_audit(api.world.database, ORIGIN, public_url=PUBLIC_URL, processes=1)
    assert report.credentials == 2
    assert [d for d in report.discrepancies if d.kind.startswith("credential")] == []


async def test_a_tampered_credential_is_reported(api: Api) -> None:  # noqa: F811
    first, second = await _issue(api)
    stored = await _stored(api, first)
    await _store(api, first, stored.replace("职业技能等级证书".encode(), "职业资格证书".encode(), 1))
    assert await _findings(api) == {(Finding.CREDENTIAL_CHANGED, first), (Finding.CREDENTIAL_BAD_PROOF, first)}
    assert second not in {record for _, record in await _findings(api)}


async def test_a_credential_re_signed_by_another_key_is_reported(api: Api) -> None:  # noqa: F811
    """Someone with database access but not the authority's key swaps in a credential signed by a key of
    their own: its proof cannot verify with the authority's key, and its hash is not the logged one."""
    number, _ = await _issue(api)
    document = json.loads(await _stored(api, number))
    document["credentialSubject"]["achievement"]["name"] = "电工 一级/高级技师"
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    stranger = nacl.signing.SigningKey.generate()
    signature = stranger.sign(hashlib.sha256(canonicalize(unsigned)).digest()).signature
    document["proof"]["proofValue"] = "z" + signature.hex()
    await _store(api, number, canonicalize(document))
    assert await _findings(api) == {(Finding.CREDENTIAL_CHANGED, number), (Finding.CREDENTIAL_BAD_PROOF, number)}


async def test_a_credential_pointing_at_another_status_bit_is_reported(api: Api) -> None:  # noqa: F811
    """Revoking sets the bit the row's status list and index name: moved, the certificate would stay valid in
    the list the credential itself names."""
    first, _ = await _issue(api)
    async with api.world.database.transaction() as session:
        await session.execute(
            update(CertificateCredential)
            .where(CertificateCredential.number == first)
            .values(status_index=CertificateCredential.status_index + 7)
        )
    assert await _findings(api) == {(Finding.CREDENTIAL_CHANGED, first)}


async def test_a_deleted_credential_is_reported(api: Api) -> None:  # noqa: F811
    number, _ = await _issue(api)
    async with api.world.database.transaction() as session:
        await session.execute(delete(CertificateCredential).where(CertificateCredential.number == number))
        assert (
            await session.scalar(select(CertificateCredential.number).where(CertificateCredential.number == number))
            is None
        )
    assert await _findings(api) == {(Finding.CREDENTIAL_DELETED, number)}


async def test_the_cli_names_the_tampered_credential_and_exits_1(api: Api, db_url: str, tmp_path: Path) -> None:  # noqa: F811
    number, _ = await _issue(api)
    stored = await _stored(api, number)
    await _store(api, number, stored.replace(b'"Certification"', b'"License"', 1))
    env = command_env(db_url, api.world.key_dir, CERTREG_PUBLIC_URL=PUBLIC_URL)
    args = ["audit", "--state", str(tmp_path / "state.json")]
    # the command runs its own event loop: off this test's
    result = await asyncio.to_thread(invoke, env, *args)
    assert result.exit_code == 1, result.output
    lines = [line.split("\t") for line in result.output.splitlines() if "\t" in line]
    assert ["credential.changed", number] in [line[:2] for line in lines], result.output
    assert ["credential.bad_proof", number] in [line[:2] for line in lines]
    assert "credentials" in result.output
