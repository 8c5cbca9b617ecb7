"""A small Hunan reference data set as Python records, for tests that load good and bad variants of it."""

from __future__ import annotations

import copy
from typing import Any

import msgspec

Record = dict[str, Any]

STATION = "43012001"
SCHOOL = "S000043000203"

WORLD: dict[str, list[Record]] = {
    "regions": [
        {"code": "430000", "name": "湖南省", "parent_code": None},
        {"code": "430100", "name": "长沙市", "parent_code": "430000"},
        {"code": "430102", "name": "芙蓉区", "parent_code": "430100"},
    ],
    "authorities": [
        {"code": "430000", "name": "湖南省职业技能鉴定中心", "level": "province", "region_code": "430000"},
        {"code": "430100", "name": "长沙市职业技能鉴定中心", "level": "city", "region_code": "430100"},
    ],
    "occupations": [
        {
            "code": "6-31-01-03",
            "name": "电工",
            "in_qualification_catalogue": False,
            "access_type": False,
            "levels": "12345",
            "valid_from": "2015-07-29",
            "valid_to": None,
        }
    ],
    "projects": [
        {"code": "HN01", "name": "湘绣制作", "status": "active", "published_on": "2022-03-01", "pilot_ends": None}
    ],
    "institutions": [
        {
            "code": STATION,
            "name": "长沙市第一职业技能鉴定所",
            "kind": "station",
            "owner": "local",
            "uscc": "12430102445000011T",
            "region_code": "430102",
            "filing_authority_code": "430100",
        },
        {
            "code": SCHOOL,
            "name": "长沙市示例技工学校",
            "kind": "technical_school",
            "owner": "local",
            "uscc": "124304064460020357",
            "region_code": "430102",
            "filing_authority_code": "430100",
        },
    ],
    "filings": [
        {
            "institution_code": STATION,
            "reference": "长人社鉴备〔2024〕1号",
            "filed_by": "430100",
            "valid_from": "2024-01-01",
            "valid_to": "2026-12-31",
            "subject_type": "occupation",
            "subject_code": "6-31-01-03",
            "levels": "345",
            "kinds": "qualification",
        },
        {
            "institution_code": SCHOOL,
            "reference": "长人社技备〔2026〕3号",
            "filed_by": "430100",
            "valid_from": "2026-01-01",
            "valid_to": "2026-12-31",
            "subject_type": "occupation",
            "subject_code": "6-31-01-03",
            "levels": "45",
            "kinds": "skill_level",
            "pilot": True,
        },
    ],
    "filing_status": [],
}


def world(**changes: list[Record]) -> dict[str, list[Record]]:
    """A deep copy of :data:`WORLD` with whole tables replaced."""
    found = copy.deepcopy(WORLD)
    found.update(copy.deepcopy(changes))
    return found


def changed(table: str, index: int, **fields: Any) -> dict[str, list[Record]]:
    """:data:`WORLD` with fields of one record changed (``None`` values are kept: they mean blank)."""
    found = copy.deepcopy(WORLD)
    found[table][index].update(fields)
    return found


def as_json(document: dict[str, list[Record]]) -> bytes:
    return msgspec.json.encode({name: rows for name, rows in document.items() if rows})
