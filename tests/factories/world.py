"""The small seeded registry of the tests: ``seed_world`` writes a province, a city, their centres, three
occupations, a project and one institution of each issuing shape with active filings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from registry.db import Database
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
from registry.rules.checkdigits import mod11_2

PROVINCE = "430000"
CITY = "430100"
SKILL_INSTITUTION = "S000043000101"  # 社会培训评价组织: skill-level certificates
STATION = "43012001"  # 鉴定站: qualification certificates
SITE = "S000043000401"  # 考核站: special-ability certificates
ELECTRICIAN = "6-31-01-03"  # 电工: skill level, not in the qualification catalogue
WELDER = "6-18-02-04"  # 焊工: in the qualification catalogue, access type
CARER = "4-10-01-05"  # 养老护理员
EMBROIDERY = "HN01"  # 湘绣制作
OTHER_CITY = "430200"  # 株洲市: a second prefecture, outside the seeded institutions' region (not in seed_world)
OTHER_INSTITUTION = "S000043000201"  # 株洲's institution (tests/integration/batches/helpers.py seeds it)

#: Valid 18-digit resident ID numbers (check characters computed, birth dates real).
HOLDER_IDS = ("430102199003071234", "430103198511202618", "430104199206154323", "430105200001011232")


def holder_name(n: int) -> str:
    """The ``n``-th of a family of distinct holder names the upload check accepts (no digits: 学员甲甲甲甲甲庚)."""
    return "学员" + f"{n:06d}".translate(str.maketrans("0123456789", "甲乙丙丁戊己庚辛壬癸"))


def resident_id(n: int, region: str = "430102") -> str:
    """The ``n``-th of a family of valid ID numbers (distinct birth dates and order codes; order codes run
    001–999, GB 11643's 000 is never assigned)."""
    born = date(1970, 1, 1) + timedelta(days=n % 12000)
    body = f"{region}{born:%Y%m%d}{n // 12000 % 999 + 1:03d}"
    return body + mod11_2(body)


#: A filing's scope row: (subject type, subject code, levels, the certificate kinds the row allows).
Scope = tuple[str, str, str, str]
_SCOPE_COLUMNS: Final = ("subject_type", "subject_code", "levels", "kinds")


async def add_filing(
    session: AsyncSession,
    institution: str,
    reference: str,
    *,
    filed_by: str,
    valid: tuple[date, date],
    scopes: Sequence[Scope] = (),
    active_on: date | None = None,
    pilot: bool = False,
    consent_on: date | None = None,
) -> Filing:
    """A filing of ``institution`` valid from ``valid[0]`` to ``valid[1]``, flushed (it has its id), with its
    ``scopes`` (each with ``consent_on``) and, given ``active_on``, an ``active`` status from that day."""
    filing = Filing(
        institution_code=institution,
        reference=reference,
        filed_by=filed_by,
        valid_from=valid[0],
        valid_to=valid[1],
        pilot=pilot,
    )
    session.add(filing)
    await session.flush()
    for scope in scopes:
        columns = dict(zip(_SCOPE_COLUMNS, scope, strict=True))
        session.add(FilingScope(filing_id=filing.id, consent_on=consent_on, **columns))
    if active_on is not None:
        session.add(FilingStatusChange(filing_id=filing.id, status="active", effective_on=active_on))
    return filing


async def add_other_city(session: AsyncSession) -> None:
    """株洲: the region of :data:`OTHER_CITY` and its city centre (flushed after the region, its parent)."""
    session.add(Region(code=OTHER_CITY, name="株洲市", parent_code=PROVINCE))
    await session.flush()
    session.add(Authority(code=OTHER_CITY, name="株洲市职业技能鉴定中心", level="city", region_code=OTHER_CITY))


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
            await add_filing(
                session,
                institution,
                f"测试备〔2024〕{institution[-3:]}号",
                filed_by=CITY,
                valid=(date(2024, 1, 1), date(2027, 12, 31)),
                scopes=rows,
                active_on=date(2024, 1, 1),
            )
