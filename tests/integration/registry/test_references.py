"""The references foreign keys no longer check (migrations 0012 and 0013) are checked once per stored batch: a
batch naming an institution, authority, batch or key that does not exist — or whose credentials name a key,
authority or certificate that does not — is refused whole, with every missing value named, and nothing of it
is stored."""

from __future__ import annotations

import msgspec
import pytest
from sqlalchemy import func, select

from registry.certificates import NewCertificate, require_credential_references, store_certificates
from registry.credential_store import NewCredential
from registry.db import Database
from registry.errors import MissingReferenceError
from registry.models import Certificate, CertificateCredential, Event
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


def credential_of(certificate: NewCertificate, *, kid: str | None = None) -> NewCredential:
    """A credential (its bytes need not be one: nothing here verifies them) of ``certificate``."""
    return NewCredential(
        number=certificate.number,
        authority_code=certificate.authority_code,
        status_value=1 + int(certificate.number.removeprefix("N")),
        kid=kid or certificate.kid,
        data=b"{}",
    )


async def test_credentials_naming_a_key_or_certificate_that_does_not_exist_are_refused(database: Database) -> None:
    """Migration 0013 dropped the credential's foreign keys: a stored set naming a missing key is refused
    whole, and so is a credential signed later for a certificate that does not exist."""
    await _seed(database)
    certificates = [_cert(f"N{i}") for i in range(3)]
    with pytest.raises(MissingReferenceError) as refused:
        async with database.transaction() as session:
            await store_certificates(
                session, certificates, actor="tester",
                credentials=[credential_of(certificates[0]), credential_of(certificates[1], kid="NOKEY"),
                             credential_of(certificates[2])],
            )  # fmt: skip
    assert str(refused.value) == (
        "凭证引用的记录不存在：密钥 NOKEY / credentials refer to what does not exist: key NOKEY"
    )
    with pytest.raises(MissingReferenceError, match=r"certificate N9$"):
        async with database.transaction() as session:
            await require_credential_references(session, [credential_of(_cert("N9"))])
    async with database.reader() as session:
        assert await session.scalar(select(func.count()).select_from(Certificate)) == 0
        assert await session.scalar(select(func.count()).select_from(CertificateCredential)) == 0


async def test_credentials_whose_references_exist_are_stored(database: Database) -> None:
    await _seed(database)
    certificates = [_cert(f"N{i}") for i in range(3)]
    async with database.transaction() as session:
        await store_certificates(
            session, certificates, actor="tester", credentials=[credential_of(c) for c in certificates]
        )
        await require_credential_references(session, [credential_of(certificates[0])])  # stored: found
    async with database.reader() as session:
        assert await session.scalar(select(func.count()).select_from(CertificateCredential)) == 3
