"""The pages render the demo data of ``make run`` (``registry/data/demo_hunan.json``): names of
occupations, projects, institutions and centres, for all three certificate kinds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from issuer.demo import ensure_demo_keys, load_demo_reference
from registry.db import Database
from registry.vocab import CertificateKind
from tests.factories import HOLDER_IDS, issue_test_certificates, key_store
from tests.integration.verify.world import verify_client
from tests.support import scratch_database


@pytest.fixture
async def demo_database(sqlite_url: str) -> AsyncIterator[Database]:
    async with scratch_database(sqlite_url) as database:
        yield database


async def test_demo_certificates_of_every_kind_render(demo_database: Database, tmp_path: Path) -> None:
    await load_demo_reference(demo_database)
    store = key_store(tmp_path / "keys")
    await ensure_demo_keys(demo_database, store)
    issue = issue_test_certificates
    (cook,) = await issue(demo_database, store, [("欧阳娜娜", HOLDER_IDS[0])], subject="4-03-02-01", level=2,
                          institution="S000043000102", authority="430000")  # fmt: skip
    (welder,) = await issue(demo_database, store, [("阿卜杜热合曼·买买提明", HOLDER_IDS[1])],
                            kind=CertificateKind.QUALIFICATION, subject="6-18-02-04", level=4,
                            institution="43012001", authority="430100")  # fmt: skip
    (cuisine,) = await issue(demo_database, store, [("李四", HOLDER_IDS[2])], kind=CertificateKind.SPECIAL_ABILITY,
                             subject="HN02", institution="S000043000401", authority="430100")  # fmt: skip
    expected = {
        cook.token: (
            "欧阳娜娜",
            "中式烹调师",
            "二级/技师",
            "湖南烹饪行业协会职业技能评价站",
            "湖南省职业技能鉴定中心",
            "职业技能等级证书",
        ),
        welder.token: (
            "阿卜杜热合曼·买买提明",
            "焊工",
            "四级/中级工",
            "长沙市第一职业技能鉴定所",
            "长沙市职业技能鉴定中心",
            "职业资格证书",
        ),
        cuisine.token: (
            "李四",
            "湘菜制作",
            "专项能力项目",
            "长沙市专项职业能力考核站",
            "长沙市职业技能鉴定中心",
            "专项职业能力证书",
        ),
    }
    async with verify_client(demo_database.url) as client:
        for token, shown in expected.items():
            page = await client.get(f"/Q/{token}")
            assert page.status_code == 200
            assert 'data-result="valid"' in page.text
            for text in shown:
                assert text in page.text, text
