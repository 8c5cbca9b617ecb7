"""The rules' views built from the database: rule 5 judges the authority that filed the filing in use."""

from __future__ import annotations

from datetime import date
from importlib.resources import files

import msgspec
import pytest

from registry.db import Database
from registry.models import Institution
from registry.refdata import load_reference_file
from registry.rule_views import eligibility_context, occupation_views
from registry.rules.policy import ProvinceProfile
from registry.rules.profiles import HUNAN, SICHUAN
from registry.vocab import CertificateKind

INSTITUTION = "S000051000007"
ELECTRICIAN = "6-31-01-03"


def sichuan_world(
    record_authority: str, filed_by: str, *, kind: str = "evaluation_org", valid_to: str = "2026-12-31"
) -> bytes:
    """A Sichuan institution (an evaluation organisation) whose record names ``record_authority`` and whose
    only filing (skill levels 1–5, to ``valid_to``) was filed by ``filed_by``."""
    return msgspec.json.encode(
        {
            "authorities": [
                {"code": "510000", "name": "四川省职业技能鉴定指导中心", "level": "province", "region_code": "510000"},
                {"code": "510700", "name": "绵阳市职业技能鉴定中心", "level": "city", "region_code": "510700"},
            ],
            "occupations": [
                {
                    "code": ELECTRICIAN,
                    "name": "电工",
                    "in_qualification_catalogue": False,
                    "access_type": False,
                    "levels": "12345",
                    "valid_from": "2015-07-29",
                }
            ],
            "institutions": [
                {
                    "code": INSTITUTION,
                    "name": "绵阳市示例职业技能评价中心",
                    "kind": kind,
                    "owner": "local",
                    "uscc": "52430103MJ00010108",
                    "region_code": "510703",
                    "filing_authority_code": record_authority,
                }
            ],
            "filings": [
                {
                    "institution_code": INSTITUTION,
                    "reference": "川评备〔2024〕7号",
                    "filed_by": filed_by,
                    "valid_from": "2024-01-01",
                    "valid_to": valid_to,
                    "subject_type": "occupation",
                    "subject_code": ELECTRICIAN,
                    "levels": "12345",
                    "kinds": "skill_level",
                }
            ],
        }
    )


async def level_one(database: Database, profile: ProvinceProfile) -> list[str]:
    async with database.reader() as session:
        institution = await session.get(Institution, INSTITUTION)
        assert institution is not None
        context = await eligibility_context(session, profile, institution)
        occupation = (await occupation_views(session, [ELECTRICIAN]))[ELECTRICIAN]
        found = context.check(
            kind=CertificateKind.SKILL_LEVEL,
            occupation=occupation,
            project=None,
            level=1,
            assessed_on=date(2024, 6, 1),
        )
    return [f"{v.rule}:{v.code}" for v in found]


async def load_world(database: Database, record_authority: str, filed_by: str) -> None:
    regions = (files("registry.data") / "regions_sichuan.csv").read_bytes()
    await load_reference_file(database, regions, "regions_sichuan.csv")
    await load_reference_file(database, sichuan_world(record_authority, filed_by), "sichuan.json")


@pytest.mark.parametrize(("profile", "expected"), [(SICHUAN, ["5:authority.level_not_filable"]), (HUNAN, [])])
async def test_a_level_1_filing_by_a_city_fails_rule_5_whatever_the_institution_record_says(
    database: Database, profile: ProvinceProfile, expected: list[str]
) -> None:
    await load_world(database, record_authority="510000", filed_by="510700")
    assert await level_one(database, profile) == expected


@pytest.mark.parametrize("profile", [SICHUAN, HUNAN])
async def test_a_level_1_filing_by_the_province_passes_rule_5_whatever_the_institution_record_says(
    database: Database, profile: ProvinceProfile
) -> None:
    await load_world(database, record_authority="510700", filed_by="510000")
    assert await level_one(database, profile) == []
