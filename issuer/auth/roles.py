"""The four roles of the issuer side, one per API token and per CLI operator (docs/rules.md, "Who may do what").

- ``institution`` — an assessment institution: submits, corrects and notices its own batches;
- ``city_reviewer`` — a city centre: first review of batches of institutions in its region, issues the
  special-ability certificates of its region (rule 6, 003 §4(1));
- ``province_reviewer`` — the province centre: the province review of every skill-level and qualification
  batch (rule 7);
- ``province_admin`` — the province centre: filings, keys, issue and revocation anywhere.
"""

from __future__ import annotations

from typing import Final

from registry.labels import LabelledEnum


class Role(LabelledEnum):
    INSTITUTION = "institution", "鉴定机构"
    CITY_REVIEWER = "city_reviewer", "市州鉴定中心审核"
    PROVINCE_REVIEWER = "province_reviewer", "省鉴定中心审核"
    PROVINCE_ADMIN = "province_admin", "省鉴定中心管理员"


ROLE_LABELS_ZH: Final = Role.labels_zh()
