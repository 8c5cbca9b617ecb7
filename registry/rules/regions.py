"""The national province-level prefixes of GB/T 2260 and the checks built on them.

Only the two-digit province prefixes are listed here: they have not changed since Chongqing (50) was created
in 1997, while county codes are renamed and abolished every year. A resident ID keeps the county code it was
issued with for life, so checking all six digits against *today's* table would reject millions of valid
old IDs; checking the province prefix and a non-zero city part catches typing errors without that harm.
The province's own county list is data (``registry/data/regions_*.csv``), loaded into the database.
"""

from __future__ import annotations

import re
from typing import Final

#: GB/T 2260 province-level divisions (two-digit prefix → name).
PROVINCE_PREFIXES: Final[dict[str, str]] = {
    "11": "北京市",
    "12": "天津市",
    "13": "河北省",
    "14": "山西省",
    "15": "内蒙古自治区",
    "21": "辽宁省",
    "22": "吉林省",
    "23": "黑龙江省",
    "31": "上海市",
    "32": "江苏省",
    "33": "浙江省",
    "34": "安徽省",
    "35": "福建省",
    "36": "江西省",
    "37": "山东省",
    "41": "河南省",
    "42": "湖北省",
    "43": "湖南省",
    "44": "广东省",
    "45": "广西壮族自治区",
    "46": "海南省",
    "50": "重庆市",
    "51": "四川省",
    "52": "贵州省",
    "53": "云南省",
    "54": "西藏自治区",
    "61": "陕西省",
    "62": "甘肃省",
    "63": "青海省",
    "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区",
    "71": "台湾省",
    "81": "香港特别行政区",
    "82": "澳门特别行政区",
}

#: Residence permits of Hong Kong, Macao and Taiwan residents (港澳台居民居住证, 2018) carry these whole
#: address codes in an ID-number layout; their city part is ``00`` by design.
RESIDENCE_PERMIT_CODES: Final = frozenset({"810000", "820000", "830000"})

_REGION_CODE: Final = re.compile(r"[1-9][0-9]{5}")


def is_region_code(code: str) -> bool:
    """Whether ``code`` has the shape of a GB/T 2260 code: six ASCII digits under a known province prefix."""
    return bool(_REGION_CODE.fullmatch(code)) and code[:2] in PROVINCE_PREFIXES


def is_plausible_address_code(code: str) -> bool:
    """Whether ``code`` can be the address code (positions 1–6) of a resident ID number.

    True for a known province prefix with a non-zero city part, or a residence-permit code.
    """
    if code in RESIDENCE_PERMIT_CODES:
        return True
    return is_region_code(code) and code[2:4] != "00"


def parent_of(code: str) -> str | None:
    """The GB/T 2260 parent of ``code``: a county's city, a city's province; ``None`` for a province.

    Counties directly under a province (city part ``90``) have the province as parent.
    """
    if code.endswith("0000"):
        return None
    if code.endswith("00") or code[2:4] == "90":
        return code[:2] + "0000"
    return code[:4] + "00"
