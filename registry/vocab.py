"""The registry's shared vocabulary: certificate kinds, levels, institution kinds and record states.

Values are stable wire and database strings (never renumber or rename one); Chinese labels are what the
public reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum, StrEnum
from typing import Final

from registry.labels import LabelledEnum


class CertificateKind(LabelledEnum):
    """The three certificate kinds of the province (docs/rules.md, rules 1 and 3)."""

    # only occupations in the national catalogue
    QUALIFICATION = "qualification", "职业资格证书", "Vocational qualification certificate"
    # levels 5 (初级工) … 1 (高级技师)
    SKILL_LEVEL = "skill_level", "职业技能等级证书", "Vocational skill level certificate"
    # a catalogued project, no level
    SPECIAL_ABILITY = "special_ability", "专项职业能力证书", "Special vocational ability certificate"

    @property
    def statement_code(self) -> int:
        """The small integer that stands for the kind inside a signed statement (never change one)."""
        return _STATEMENT_CODES[self]

    @classmethod
    def from_statement_code(cls, code: int) -> CertificateKind:
        """The kind of a statement code; raises ``ValueError`` for an unknown one."""
        for kind, value in _STATEMENT_CODES.items():
            if value == code:
                return kind
        raise ValueError(f"unknown certificate kind code {code}")

    @property
    def has_level(self) -> bool:
        return self is not CertificateKind.SPECIAL_ABILITY


KIND_LABELS_ZH: Final = CertificateKind.labels_zh()
KIND_LABELS_EN: Final = CertificateKind.labels_en()
_STATEMENT_CODES: Final = {
    CertificateKind.QUALIFICATION: 1,
    CertificateKind.SKILL_LEVEL: 2,
    CertificateKind.SPECIAL_ABILITY: 3,
}


def kinds_text(kinds: Iterable[CertificateKind]) -> str:
    """Certificate kinds as stored in a filing scope row: their values, sorted, comma-separated."""
    return ",".join(sorted({kind.value for kind in kinds}))


def parse_kinds(text: str) -> frozenset[CertificateKind]:
    """The kinds of a stored scope row (:func:`kinds_text`); raises ``ValueError`` for an unknown value."""
    return frozenset(CertificateKind(value) for value in text.split(",") if value)


class Level(IntEnum):
    """Skill levels: 1 is the highest (一级/高级技师), 5 the lowest (五级/初级工). 0 = no level."""

    NONE = 0
    ONE = 1
    TWO = 2
    THREE = 3
    FOUR = 4
    FIVE = 5


LEVEL_LABELS_ZH: Final = {
    0: "无等级",
    1: "一级/高级技师",
    2: "二级/技师",
    3: "三级/高级工",
    4: "四级/中级工",
    5: "五级/初级工",
}
LEVEL_LABELS_EN: Final = {
    0: "no level",
    1: "Level 1 / Senior technician",
    2: "Level 2 / Technician",
    3: "Level 3 / Senior worker",
    4: "Level 4 / Intermediate worker",
    5: "Level 5 / Junior worker",
}


class InstitutionKind(LabelledEnum):
    """What kind of filed institution assesses (docs/rules.md, rules 1 and 4)."""

    STATION = "station", "职业技能鉴定所（站）"
    EVALUATION_ORG = "evaluation_org", "社会培训评价组织"  # also 评价机构
    ASSESSMENT_SITE = "assessment_site", "考核站"
    TECHNICIAN_COLLEGE = "technician_college", "技师学院"  # all levels
    SENIOR_TECHNICAL_SCHOOL = "senior_technical_school", "高级技工学校"  # level 3 and below
    TECHNICAL_SCHOOL = "technical_school", "普通技工学校"  # level 4 and below
    ENTERPRISE = "enterprise", "用人单位"  # 企业

    @property
    def is_school(self) -> bool:
        return self in _SCHOOLS


_SCHOOLS: Final = frozenset(
    {
        InstitutionKind.TECHNICIAN_COLLEGE,
        InstitutionKind.SENIOR_TECHNICAL_SCHOOL,
        InstitutionKind.TECHNICAL_SCHOOL,
    }
)

INSTITUTION_KIND_LABELS_ZH: Final = InstitutionKind.labels_zh()


class InstitutionOwner(StrEnum):
    """Who runs an institution; Sichuan's rule 5 files province- and ministry-owned units centrally."""

    LOCAL = "local"
    PROVINCE = "province"  # 省属单位
    MINISTRY = "ministry"  # 部属/中央在川单位
    INDUSTRY = "industry"  # 行业机构


class AuthorityLevel(StrEnum):
    PROVINCE = "province"  # 省鉴定中心
    CITY = "city"  # 市州鉴定中心


class FilingStatus(StrEnum):
    """A filing's status; only ``active`` within the validity window may assess (rule 2)."""

    ACTIVE = "active"
    SUSPENDED = "suspended"  # 暂停/整改
    REVOKED = "revoked"  # 取消备案
    WITHDRAWN = "withdrawn"  # 主动撤回
    EXPIRED = "expired"


class ProjectStatus(StrEnum):
    PILOT = "pilot"  # 试点: valid at most six months from publication (rule 6)
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


class SubjectType(StrEnum):
    """What a filing scope row or a certificate is about."""

    OCCUPATION = "occupation"
    PROJECT = "project"


class CertificateStatus(LabelledEnum):
    """A certificate's current status, derived from its events."""

    VALID = "valid", "有效"
    REVOKED = "revoked", "已撤销"
    SUPERSEDED = "superseded", "已换发"  # 已换发/已补发


def subject_type_of(kind: CertificateKind) -> SubjectType:
    """Special-ability certificates are about a project; the others about an occupation."""
    return SubjectType.PROJECT if kind is CertificateKind.SPECIAL_ABILITY else SubjectType.OCCUPATION
