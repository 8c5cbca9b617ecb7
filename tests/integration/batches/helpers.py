"""Plain helpers for the batch tests: result files, ID numbers, callers and a second prefecture."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from datetime import date
from typing import Any, TypeAlias

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from issuer.auth import Principal, Role
from issuer.batches import transitions
from issuer.batches.workflow import needs_province
from registry.config import Settings
from registry.db import Database
from registry.models import Batch, Institution, Region
from registry.rules.profiles import get_profile
from tests.factories import CITY, ELECTRICIAN, PROVINCE, SKILL_INSTITUTION, world
from tests.factories.tokens import bearer
from tests.factories.world import OTHER_CITY, OTHER_INSTITUTION

#: Moved to :mod:`tests.factories.world`; still here for bench/scale.py and bench/legacy_import.py, which import it.
resident_id = world.resident_id
ASSESSED = date(2025, 6, 1)
HEADER = ("姓名", "身份证号", "职业编码", "等级")
#: The upload form of a skill-level batch of the seeded institution.
FORM = {"institution": SKILL_INSTITUTION, "kind": "skill_level", "assessed_on": "2025-06-01"}


def csv_file(rows: Sequence[Sequence[str]], header: Sequence[str] = HEADER, *, encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def good_rows(count: int, *, start: int = 0, level: str = "4", subject: str = ELECTRICIAN) -> list[list[str]]:
    names = ("张三", "李四", "王小明", "赵敏", "欧阳娜娜", "买买提·艾力")
    return [[names[i % len(names)], resident_id(i), subject, level] for i in range(start, start + count)]


async def post_batch(
    client: Client, token: str, data: bytes, form: dict[str, str] = FORM, name: str = "r.csv"
) -> httpx.Response:
    """``POST /v1/batches`` as an institution's upload form sends it: ``data`` as the file ``name``."""
    return await client.post("/v1/batches", files={"file": (name, data)}, data=form, headers=bearer(token))


async def submit(client: Client, token: str, data: bytes, form: dict[str, str] = FORM) -> Any:
    """An upload the server takes (201); its body, bad rows listed."""
    response = await post_batch(client, token, data, form)
    assert response.status_code == 201, response.text
    return response.json()


def caller(role: Role, org: str, name: str | None = None) -> Principal:
    """An operator in ``role`` for ``org``, named after the role unless ``name`` says otherwise."""
    region = {CITY: CITY, OTHER_CITY: OTHER_CITY}.get(org) if role is Role.CITY_REVIEWER else None
    return Principal.for_operator(name or role.value, role=role, org_code=org, region_code=region)


ADMIN = caller(Role.PROVINCE_ADMIN, PROVINCE)
INSTITUTION = caller(Role.INSTITUTION, SKILL_INSTITUTION)
CITY_REVIEWER = caller(Role.CITY_REVIEWER, CITY)
PROVINCE_REVIEWER = caller(Role.PROVINCE_REVIEWER, PROVINCE)


async def reviewed(database: Database, settings: Settings, batch_id: int, *, notice: bool = False) -> None:
    """Take a submitted batch through its reviews (rule 7: the city, then the province unless special
    ability), each by its own reviewer, and — with ``notice`` — start its notice as the institution."""
    profile = get_profile(settings.issuing.profile)
    await transitions.review_batch(database, CITY_REVIEWER, batch_id, "approve", "", profile=profile)
    async with database.reader() as session:
        kind = (await session.get(Batch, batch_id)).kind  # type: ignore[union-attr]
    if needs_province(profile, kind):
        await transitions.approve_batch(database, PROVINCE_REVIEWER, batch_id, "approve", "", profile=profile)
    if notice:
        await transitions.start_notice(
            database, INSTITUTION, batch_id, profile=profile, notice_setting=settings.issuing.notice_days
        )


async def seed_other_prefecture(database: Database) -> None:
    """株洲: a city, its centre, and a skill-level institution with an active filing for 电工."""
    async with database.transaction() as session:
        await world.add_other_city(session)
        session.add(Region(code="430202", name="荷塘区", parent_code=OTHER_CITY))
        await session.flush()
        session.add(
            Institution(
                code=OTHER_INSTITUTION,
                name="株洲市职业技能评价中心",
                kind="evaluation_org",
                owner="local",
                uscc="52430202MJ0002010X",
                region_code="430202",
                filing_authority_code=OTHER_CITY,
            )
        )
        await session.flush()
        await world.add_filing(
            session,
            OTHER_INSTITUTION,
            "株备〔2024〕1号",
            filed_by=OTHER_CITY,
            valid=(date(2024, 1, 1), date(2027, 12, 31)),
            scopes=[("occupation", ELECTRICIAN, "2345", "skill_level")],
            active_on=date(2024, 1, 1),
        )


def bilingual(text: str) -> bool:
    """Chinese, then a slash, then English: the shape of every message the service answers with."""
    return re.search(r"[\u4e00-\u9fff].*/.*[A-Za-z]{2}", text, re.DOTALL) is not None


Client: TypeAlias = AsyncTestClient[Litestar]
