"""The shipped province profiles, Hunan and Sichuan, and :func:`get_profile`.

Sources are the notices in ``shared/domain/sources`` (000–004). Where a notice is silent for a province we
ship the national convention or the other province's figure and say so in the comment: every such value
is data a province can replace (``ProvinceProfile.from_json``) without touching code.

Institution codes the numbering expects (see NUMBERING.md):
- skill level: the 13-character evaluation-institution code ``[YS]`` + 4-digit ministry code + 2-digit
  province + 6-digit site sequence, e.g. ``S000043000123`` (Hunan) or ``Y000151000007`` (Sichuan);
- qualification: the 8-digit assessment-station code (鉴定所站编码) province 2 + city 2 + station type 1
  (``0``–``4``) + station sequence 3, e.g. ``43012001`` — the number repeats it in positions 3–10;
- special ability: no institution in the number; the city centre's region code stands there.
An institution that issues both kinds is recorded once per code (its station, and itself as evaluator).
"""

from __future__ import annotations

from typing import Final

from registry.rules.errors import RuleError
from registry.rules.messages import violation
from registry.rules.policy import FilingAuthorityPolicy, ProvinceProfile
from registry.rules.segments import (
    CheckSegment,
    InstitutionSegment,
    LevelSegment,
    NumberingRule,
    ProjectSegment,
    RegionSegment,
    SequenceSegment,
    YearSegment,
)
from registry.vocab import CertificateKind, InstitutionKind, InstitutionOwner

__all__ = [
    "HUNAN",
    "PROFILES",
    "SICHUAN",
    "FilingAuthorityPolicy",
    "ProvinceProfile",
    "get_profile",
    "skill_level_rule",
]


def skill_level_rule(province_prefix: str) -> NumberingRule:
    """职业技能等级证书: institution code (13) + year (2) + level (1) + sequence (6) = 22 characters.

    The institution pattern pins the province digits (positions 6–7), so a number of another province is
    rejected before any look-up. The two-letter form for levels above 一级 fits by widening the pattern
    (e.g. ``[A-Z]{2}[0-9]{11}``): the rule is data.
    """
    return NumberingRule(
        kind=CertificateKind.SKILL_LEVEL,
        first_year=2019,  # skill-level certification began with 人社部发〔2019〕90号
        segments=(
            InstitutionSegment(length=13, pattern=f"[YS][0-9]{{4}}{province_prefix}[0-9]{{6}}"),
            YearSegment(length=2),
            LevelSegment(),
            SequenceSegment(length=6, scope=("institution", "year", "level")),
        ),
    )


QUALIFICATION_RULE: Final = NumberingRule(
    kind=CertificateKind.QUALIFICATION,
    first_year=1994,  # the vocational qualification certificate system dates from 1994
    note="national form: year 2 + station code 8 (province, city, type 0-4, sequence) + level + sequence 5",
    segments=(
        YearSegment(length=2),
        InstitutionSegment(length=8, pattern="[0-9]{4}[0-4][0-9]{3}"),
        LevelSegment(),
        SequenceSegment(length=5, scope=("institution", "level", "year")),
    ),
)


def special_ability_rule(note: str) -> NumberingRule:
    """专项职业能力证书 (policy): city centre region 6 + year 4 + project 4 + sequence 5 + MOD 37-2."""
    return NumberingRule(
        kind=CertificateKind.SPECIAL_ABILITY,
        first_year=2021,  # 湘人社规〔2021〕14号 took effect on 13 September 2021
        policy=True,
        note=note,
        segments=(
            RegionSegment(length=6),
            YearSegment(length=4),
            ProjectSegment(length=4, pattern="[0-9A-Z]{4}"),
            SequenceSegment(length=5, scope=("region", "year", "project")),
            CheckSegment(algorithm="mod37_2"),
        ),
    )


def province_numbering(province_prefix: str, special_ability_note: str) -> dict[CertificateKind, NumberingRule]:
    """A province's three numbering rules: skill-level numbers pin its region digits, qualification numbers
    follow the national form, special-ability numbers the (policy) shape with ``special_ability_note``
    saying whose choice it is. See NUMBERING.md."""
    return {
        CertificateKind.SKILL_LEVEL: skill_level_rule(province_prefix),
        CertificateKind.QUALIFICATION: QUALIFICATION_RULE,
        CertificateKind.SPECIAL_ABILITY: special_ability_rule(special_ability_note),
    }


_SCHOOL_CAPS: Final = {  # 002 §2(3): 技师学院 all levels, 高级技工学校 3 and below, 普通技工学校 4 and below
    InstitutionKind.TECHNICIAN_COLLEGE: 1,
    InstitutionKind.SENIOR_TECHNICAL_SCHOOL: 3,
    InstitutionKind.TECHNICAL_SCHOOL: 4,
}
_PILOT_VALIDITY: Final = {  # 002:45: a school's skill-level pilot filing, one year (extendable: refiled)
    InstitutionKind.TECHNICIAN_COLLEGE: 1,
    InstitutionKind.SENIOR_TECHNICAL_SCHOOL: 1,
    InstitutionKind.TECHNICAL_SCHOOL: 1,
}

HUNAN: Final = ProvinceProfile(
    code="hunan",
    name_zh="湖南省",
    name_en="Hunan",
    province_region="430000",
    notice_days=7,  # 002 §4(2): 公示期不少于7天
    school_top_level=dict(_SCHOOL_CAPS),
    filing_authority=None,  # Hunan publishes no level split of filing authority
    # Rule 2 (docs/rules.md): only where a document sets a window. 000:20: a station's licence period three
    # years, an industry station's set by its approving department; 002:45: a school's pilot one year;
    # 003 sets none for 考核站, and no notice sets one for evaluation organisations or employers.
    filing_validity_years={InstitutionKind.STATION: 3},
    pilot_filing_validity_years=dict(_PILOT_VALIDITY),
    validity_set_by_owners=frozenset({InstitutionOwner.INDUSTRY}),
    school_consent_levels=frozenset({1, 2, 3}),  # 002:43-45: 高级工及以上须省鉴定中心同意 (rule 5a)
    pilot_max_months=6,  # 003 §1(2)5
    numbering=province_numbering(
        "43", "policy: 003 §4(1) leaves the rule to the province centre; replace when it is published"
    ),
    regions_file="regions_hunan.csv",
)

SICHUAN: Final = ProvinceProfile(
    code="sichuan",
    name_zh="四川省",
    name_en="Sichuan",
    province_region="510000",
    # Sichuan's notices (001, 004) set no notice period, approval levels, school caps or pilot length:
    # Hunan's figures (which follow the national pilot notices) are assumed until Sichuan's are known.
    # Filings have no validity period in Sichuan (004 sets none: rule 2), and no consent rule (5a is Hunan's).
    notice_days=7,
    school_top_level=dict(_SCHOOL_CAPS),
    filing_authority=FilingAuthorityPolicy(  # 004 §2
        province_levels=frozenset({1, 2}),
        province_owners=frozenset({InstitutionOwner.PROVINCE, InstitutionOwner.MINISTRY, InstitutionOwner.INDUSTRY}),
        city_extra_levels={"510100": frozenset({2})},
    ),
    pilot_max_months=6,
    numbering=province_numbering(
        "51", "policy: Hunan's shape assumed; Sichuan has not published its special-ability numbering"
    ),
    regions_file="regions_sichuan.csv",
)

PROFILES: Final[dict[str, ProvinceProfile]] = {HUNAN.code: HUNAN, SICHUAN.code: SICHUAN}


def get_profile(code: str) -> ProvinceProfile:
    """The shipped profile called ``code`` (``hunan``, ``sichuan``).

    Raises :class:`RuleError` ``profile.unknown`` for another code (``Settings`` checks the setting at
    start-up, so this only fires on a programming error or a stale value).
    """
    profile = PROFILES.get(code)
    if profile is None:
        raise RuleError(violation("profile.unknown", value=code))
    return profile
