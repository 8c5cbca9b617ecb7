"""Province profiles: policy as data, the differences between Hunan and Sichuan, JSON round trips."""

from __future__ import annotations

from datetime import date

import msgspec
import pytest

from registry.rules.errors import RuleError
from registry.rules.policy import ProvinceProfile
from registry.rules.profiles import HUNAN, PROFILES, SICHUAN, get_profile
from registry.vocab import CertificateKind, InstitutionKind, InstitutionOwner


def test_get_profile() -> None:
    assert get_profile("hunan") is HUNAN
    assert get_profile("sichuan") is SICHUAN
    with pytest.raises(RuleError) as caught:
        get_profile("hubei")
    assert caught.value.code == "profile.unknown"
    assert "hubei" in caught.value.violation.message_en


@pytest.mark.parametrize("profile", list(PROFILES.values()), ids=list(PROFILES))
def test_profiles_round_trip_through_json(profile: ProvinceProfile) -> None:
    assert ProvinceProfile.from_json(profile.to_json()) == profile


def test_a_province_changes_a_rule_without_code() -> None:
    data = msgspec.json.decode(HUNAN.to_json())
    data["notice_days"] = 10
    data["school_top_level"]["technical_school"] = 5
    changed = ProvinceProfile.from_json(msgspec.json.encode(data))
    assert changed.notice_days == 10
    assert not changed.school_allows(InstitutionKind.TECHNICAL_SCHOOL, 4)


@pytest.mark.parametrize(
    ("patch", "fragment"),
    [
        ({"province_region": "430100"}, "province_region"),
        ({"notice_days": -1}, "negative"),
        ({"school_consent_levels": [0, 1]}, "levels"),
        ({"school_top_level": {"station": 3}}, "technical schools"),
        ({"unknown_setting": 1}, "unknown_setting"),
        (
            {"numbering": {"qualification": {"kind": "skill_level", "first_year": 2019, "segments": []}}},
            "sequence",
        ),
    ],
)
def test_invalid_profiles_are_refused_with_a_reason(patch: dict[str, object], fragment: str) -> None:
    data = msgspec.json.decode(HUNAN.to_json())
    data.update(patch)
    with pytest.raises(RuleError) as caught:
        ProvinceProfile.from_json(msgspec.json.encode(data))
    assert caught.value.code == "profile.invalid"
    assert fragment in caught.value.violation.message_en


def test_malformed_json_is_refused() -> None:
    with pytest.raises(RuleError, match=r"profile\.invalid"):
        ProvinceProfile.from_json(b"{not json")


def test_hunan_and_sichuan_differ_in_rule_5_and_numbering() -> None:
    assert HUNAN.filing_authority is None
    policy = SICHUAN.filing_authority
    assert policy is not None
    assert policy.province_levels == {1, 2}
    assert InstitutionOwner.MINISTRY in policy.province_owners
    assert policy.city_may_file("510100", 2)  # Chengdu files level 2 and below
    assert not policy.city_may_file("510100", 1)
    assert not policy.city_may_file("510700", 2)  # Mianyang files level 3 and below
    assert policy.city_may_file("510700", 3)
    hunan_pattern = HUNAN.rule_for(CertificateKind.SKILL_LEVEL).segments[0]
    sichuan_pattern = SICHUAN.rule_for(CertificateKind.SKILL_LEVEL).segments[0]
    assert hunan_pattern != sichuan_pattern  # each pins its own province digits
    assert HUNAN.province_region == "430000"
    assert SICHUAN.province_region == "510000"


@pytest.mark.parametrize("profile", [HUNAN, SICHUAN], ids=["hunan", "sichuan"])
def test_shared_policy_items(profile: ProvinceProfile) -> None:
    assert profile.notice_days == 7
    # rule 7: every level of skill-level and qualification results goes to the province; special ability not
    assert profile.needs_province_review(CertificateKind.SKILL_LEVEL)
    assert profile.needs_province_review(CertificateKind.QUALIFICATION)
    assert not profile.needs_province_review(CertificateKind.SPECIAL_ABILITY)
    assert profile.school_allows(InstitutionKind.TECHNICIAN_COLLEGE, 1)
    assert profile.school_allows(InstitutionKind.SENIOR_TECHNICAL_SCHOOL, 3)
    assert not profile.school_allows(InstitutionKind.SENIOR_TECHNICAL_SCHOOL, 2)
    assert profile.school_allows(InstitutionKind.TECHNICAL_SCHOOL, 4)
    assert not profile.school_allows(InstitutionKind.TECHNICAL_SCHOOL, 3)
    assert profile.school_allows(InstitutionKind.STATION, 1)
    assert profile.rule_for(CertificateKind.SPECIAL_ABILITY).policy


def test_a_filing_window_is_capped_only_where_a_document_sets_one() -> None:
    """Rule 2: a Hunan station three years (000:20), a school's skill-level pilot one year (002:45); a
    school's other filings, an industry station, a 考核站 (003) and every Sichuan filing (004): no cap."""
    start = date(2024, 3, 1)
    assert HUNAN.filing_valid_to(InstitutionKind.STATION, start) == date(2027, 2, 28)
    assert HUNAN.filing_valid_to(InstitutionKind.TECHNICIAN_COLLEGE, start, pilot=True) == date(2025, 2, 28)
    assert HUNAN.filing_valid_to(InstitutionKind.TECHNICAL_SCHOOL, start, pilot=True) == date(2025, 2, 28)
    assert HUNAN.filing_valid_to(InstitutionKind.TECHNICIAN_COLLEGE, start) is None
    assert HUNAN.filing_valid_to(InstitutionKind.STATION, start, owner=InstitutionOwner.INDUSTRY) is None
    assert HUNAN.filing_valid_to(InstitutionKind.ASSESSMENT_SITE, start) is None
    assert HUNAN.filing_valid_to(InstitutionKind.EVALUATION_ORG, start) is None
    for kind in InstitutionKind:
        assert SICHUAN.filing_valid_to(kind, start) is None
        assert SICHUAN.filing_valid_to(kind, start, pilot=True) is None


def test_pilot_deadline_is_six_months_from_publication() -> None:
    assert HUNAN.pilot_deadline(date(2021, 1, 15), None) == date(2021, 7, 14)
    assert HUNAN.pilot_deadline(date(2021, 8, 31), None) == date(2022, 2, 27)
    assert HUNAN.pilot_deadline(date(2021, 1, 15), date(2021, 3, 1)) == date(2021, 3, 1)
    assert HUNAN.pilot_deadline(date(2021, 1, 15), date(2022, 1, 1)) == date(2021, 7, 14)


def test_profiles_do_not_share_mutable_settings() -> None:
    assert HUNAN.school_top_level is not SICHUAN.school_top_level
    assert HUNAN.filing_validity_years is not SICHUAN.filing_validity_years
    assert HUNAN.pilot_filing_validity_years is not SICHUAN.pilot_filing_validity_years
