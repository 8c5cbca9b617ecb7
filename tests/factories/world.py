"""Factories for tests: a small seeded registry and properly numbered, signed certificates.

``seed_world`` writes a province, a city, their centres, three occupations, a project and one institution
of each issuing shape with active filings. ``issue_test_certificates`` numbers (under the Hunan profile),
signs and stores certificates the way the issuer does, so read-path tests do not depend on batch import.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import msgspec

from issuer.keystore import KeyStore, new_key, signer_for
from registry import holders
from registry.calendar import province_day
from registry.certificates import NewCertificate, store_certificates
from registry.db import Database
from registry.keyring import load_keyset
from registry.models import (
    AbilityProject,
    Authority,
    Filing,
    FilingScope,
    FilingStatusChange,
    Institution,
    Occupation,
    Region,
)
from registry.qrtoken import encode_token
from registry.rules.ids import mask_resident_id
from registry.rules.numbering import format_number, max_sequence, sequence_scope
from registry.rules.parts import NumberParts
from registry.rules.profiles import HUNAN
from registry.sequences import allocate
from registry.statement import Statement, days_since_epoch, encode_statement, sign_statement
from registry.vocab import CertificateKind, subject_type_of
from tests.support import ID_HASH_KEY

PROVINCE = "430000"
CITY = "430100"
SKILL_INSTITUTION = "S000043000101"  # 社会培训评价组织: skill-level certificates
STATION = "43012001"  # 鉴定站: qualification certificates
SITE = "S000043000401"  # 考核站: special-ability certificates
ELECTRICIAN = "6-31-01-03"  # 电工: skill level, not in the qualification catalogue
WELDER = "6-18-02-04"  # 焊工: in the qualification catalogue, access type
CARER = "4-10-01-05"  # 养老护理员
EMBROIDERY = "HN01"  # 湘绣制作

#: Valid 18-digit resident ID numbers (check characters computed, birth dates real).
HOLDER_IDS = ("430102199003071234", "430103198511202618", "430104199206154323", "430105200001011232")


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


async def seed_world(database: Database) -> None:
    """Regions, the two centres, a small catalogue, three institutions with active filings."""
    async with database.transaction() as session:
        session.add(Region(code=PROVINCE, name="湖南省", parent_code=None))
        await session.flush()
        session.add(Region(code=CITY, name="长沙市", parent_code=PROVINCE))
        await session.flush()
        session.add(Region(code="430102", name="芙蓉区", parent_code=CITY))
        session.add_all(
            [
                Authority(code=PROVINCE, name="湖南省职业技能鉴定中心", level="province", region_code=PROVINCE),
                Authority(code=CITY, name="长沙市职业技能鉴定中心", level="city", region_code=CITY),
            ]
        )
        for code, name, catalogue, access in (
            (ELECTRICIAN, "电工", False, False),
            (WELDER, "焊工", True, True),
            (CARER, "养老护理员", False, False),
        ):
            session.add(
                Occupation(
                    code=code,
                    name=name,
                    trade=None,
                    in_qualification_catalogue=catalogue,
                    access_type=access,
                    levels="12345",
                    valid_from=date(2015, 7, 29),
                    valid_to=None,
                )
            )
        session.add(
            AbilityProject(
                code=EMBROIDERY,
                name="湘绣制作",
                status="active",
                published_on=date(2022, 3, 1),
                pilot_ends=None,
                withdrawn_on=None,
            )
        )
        await session.flush()
        for code, name, kind, uscc in (
            (SKILL_INSTITUTION, "湖南省家政服务职业技能评价中心", "evaluation_org", "52430103MJ00010108"),
            (STATION, "长沙市第一职业技能鉴定所", "station", "12430102445000011T"),
            (SITE, "长沙市专项职业能力考核站", "assessment_site", "52430102MJ0004019B"),
        ):
            session.add(
                Institution(
                    code=code,
                    name=name,
                    kind=kind,
                    owner="local",
                    uscc=uscc,
                    region_code="430102",
                    filing_authority_code=CITY,
                )
            )
        await session.flush()
        scopes = {  # (subject type, code, levels, the certificate kinds the row allows)
            SKILL_INSTITUTION: [
                ("occupation", ELECTRICIAN, "2345", "skill_level"),
                ("occupation", CARER, "345", "skill_level"),
            ],
            STATION: [("occupation", WELDER, "345", "qualification")],
            SITE: [("project", EMBROIDERY, "", "special_ability")],
        }
        for institution, rows in scopes.items():
            filing = Filing(
                institution_code=institution,
                reference=f"测试备〔2024〕{institution[-3:]}号",
                filed_by=CITY,
                valid_from=date(2024, 1, 1),
                valid_to=date(2027, 12, 31),
            )
            session.add(filing)
            await session.flush()
            for subject_type, subject, levels, kinds in rows:
                session.add(
                    FilingScope(
                        filing_id=filing.id, subject_type=subject_type, subject_code=subject, levels=levels, kinds=kinds
                    )
                )
            session.add(FilingStatusChange(filing_id=filing.id, status="active", effective_on=date(2024, 1, 1)))


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
    """Number, sign and store one certificate per ``(name, id_number)``; returns them with QR tokens."""
    issued_on = issued_on or province_day(datetime.now(UTC))
    rule = HUNAN.rule_for(kind)
    level_value = level if kind.has_level else 0
    base = NumberParts(
        kind=kind,
        institution_code=institution,
        region_code=authority,
        year=issued_on.year,
        level=level_value,
        project_code=subject if kind is CertificateKind.SPECIAL_ABILITY else "",
    )
    made: list[TestCertificate] = []
    async with database.transaction() as session:
        keyset = await load_keyset(session)
        signer = signer_for(keyset, store, authority)
        sequences = await allocate(session, sequence_scope(rule, base), len(holders), max_value=max_sequence(rule))
        records = []
        for (name, id_number), sequence in zip(holders, sequences, strict=True):
            number = format_number(rule, msgspec.structs.replace(base, sequence=sequence))
            statement = Statement(
                version=1,
                number=number,
                kind=kind.statement_code,
                holder_name=name,
                holder_id_masked=mask_resident_id(id_number),
                subject_code=subject,
                level=level_value,
                institution_code=institution,
                authority_code=authority,
                issued_on=days_since_epoch(issued_on),
                kid=signer.kid,
            )
            data = encode_statement(statement)
            signature = sign_statement(statement, signer)
            records.append(
                NewCertificate(
                    number=number,
                    kind=kind.value,
                    holder_name=name,
                    holder_id_digest=id_digest(id_number),
                    holder_id_masked=statement.holder_id_masked,
                    subject_type=subject_type_of(kind).value,
                    subject_code=subject,
                    level=level_value,
                    institution_code=institution,
                    authority_code=authority,
                    assessed_on=issued_on,
                    issued_on=issued_on,
                    statement=data,
                    signature=signature,
                    kid=signer.kid,
                    supersedes=supersedes,
                )
            )
            made.append(TestCertificate(number, encode_token(data, signature), data, signature, name, id_number))
        await store_certificates(session, records, actor="test", at=datetime.now(UTC))
    return made
