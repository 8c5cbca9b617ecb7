"""The four roles of the issuer side, one per API token and per CLI operator (docs/rules.md, "Who may do what").

- ``institution`` — an assessment institution: submits, corrects and notices its own batches;
- ``city_reviewer`` — a city centre: first review of batches of institutions in its region, issues the
  special-ability certificates of its region (rule 6, 003 §4(1));
- ``province_reviewer`` — the province centre: the province review of every skill-level and qualification
  batch (rule 7);
- ``province_admin`` — the province centre: filings, keys, issue and revocation anywhere.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class Role(StrEnum):
    INSTITUTION = "institution"
    CITY_REVIEWER = "city_reviewer"
    PROVINCE_REVIEWER = "province_reviewer"
    PROVINCE_ADMIN = "province_admin"


ROLE_LABELS_ZH: Final = {
    Role.INSTITUTION: "鉴定机构",
    Role.CITY_REVIEWER: "市州鉴定中心审核",
    Role.PROVINCE_REVIEWER: "省鉴定中心审核",
    Role.PROVINCE_ADMIN: "省鉴定中心管理员",
}
