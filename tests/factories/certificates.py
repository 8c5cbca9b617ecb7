"""Certificates for read-path tests, issued by the issuer's own pipeline — never a copy of it.

:func:`issue_test_certificates` numbers rows with the issuing service's allocation
(:func:`issuer.issuing.service.allocate_numbers`: the profile's rule, one sequence per scope), signs them
with :func:`issuer.issuing.pipeline.sign_chunk` and stores them with
:func:`registry.certificates.store_certificates`, as issuing a batch does — without a batch, so a test of
the read path does not depend on upload, reviews and the public notice (``tests/integration/issuing`` runs
those). A change to numbering or signing changes what these tests see, as it should.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import msgspec

from issuer.batches.rows import CheckedRow
from issuer.issuing.pipeline import IssueTemplate, sign_chunk
from issuer.issuing.service import allocate_numbers
from issuer.keystore import KeyStore, new_key, signer_for
from registry import holders
from registry.calendar import province_day
from registry.certificates import store_certificates
from registry.db import Database
from registry.keyring import load_keyset
from registry.models import Authority, Institution
from registry.qrtoken import encode_token
from registry.rules.ids import mask_resident_id
from registry.rules.profiles import HUNAN
from registry.vocab import CertificateKind
from tests.factories.world import CITY, ELECTRICIAN, PROVINCE, SKILL_INSTITUTION
from tests.support import ID_HASH_KEY


class TestCertificate(msgspec.Struct, frozen=True):
    __test__ = False  # a factory product, not a pytest test class

    number: str
    token: str
    statement: bytes
    signature: bytes
    holder_name: str
    holder_id: str


def id_digest(id_number: str) -> bytes:
    """The keyed digest the registry stores instead of an ID number (tests' secret)."""
    return holders.id_digest(ID_HASH_KEY.encode(), id_number)


def key_store(directory: Path) -> KeyStore:
    return KeyStore(directory, b"test-passphrase", kdf="insecure-test-only")


async def add_keys(database: Database, store: KeyStore) -> None:
    """Statement keys for both centres and the province's log key."""
    async with database.transaction() as session:
        for authority, purpose in ((PROVINCE, "statement"), (CITY, "statement"), (PROVINCE, "log")):
            await new_key(session, store, authority=authority, purpose=purpose, actor="test")  # type: ignore[arg-type]


async def issue_test_certificates(
    database: Database,
    store: KeyStore,
    holders: list[tuple[str, str]],
    *,
    kind: CertificateKind = CertificateKind.SKILL_LEVEL,
    subject: str = ELECTRICIAN,
    level: int = 3,
    institution: str = SKILL_INSTITUTION,
    authority: str = CITY,
    issued_on: date | None = None,
    supersedes: str | None = None,
) -> list[TestCertificate]:
    """Number, sign and store one certificate per ``(name, id_number)`` through the issuing pipeline (Hunan
    profile); returns them with their QR tokens. Raises what the pipeline raises (``RuleError``, a statement
    bound broken: ``AssertionError`` naming the problems)."""
    issued_on = issued_on or province_day(datetime.now(UTC))
    rows = [
        CheckedRow(
            row_no=index + 2,  # as a file shows them: the header is row 1
            holder_name=name,
            holder_id_digest=id_digest(id_number),
            holder_id_masked=mask_resident_id(id_number),
            subject_code=subject,
            level=level if kind.has_level else 0,
            problems=[],
            comparable=True,
        )
        for index, (name, id_number) in enumerate(holders)
    ]
    template = IssueTemplate(
        kind=kind,
        institution_code=institution,
        authority_code=authority,
        assessed_on=issued_on,
        issued_on=issued_on,
        supersedes=supersedes,
    )
    async with database.transaction() as session:
        signer = signer_for(await load_keyset(session), store, authority)
        found_institution = await session.get(Institution, institution)
        found_authority = await session.get(Authority, authority)
        assert found_institution is not None, "seed_world first"
        assert found_authority is not None, "seed_world first"
        numbers = await allocate_numbers(
            session, HUNAN, kind, found_institution, authority_region=found_authority.region_code,
            year=issued_on.year, rows=rows,
        )  # fmt: skip
        made, problems = sign_chunk(template, rows, numbers, signer)
        assert not problems, problems
        await store_certificates(session, made, actor="test", at=datetime.now(UTC))
    return [
        TestCertificate(c.number, encode_token(c.statement, c.signature), c.statement, c.signature, name, id_number)
        for c, (name, id_number) in zip(made, holders, strict=True)
    ]
