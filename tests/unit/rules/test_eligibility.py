"""Rules 1–6 of docs/rules.md: for every rule, a case that passes and cases that fail with the right code."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import msgspec
import pytest

from registry.rules.eligibility import EligibilityContext
from registry.rules.errors import Violation
from registry.rules.policy import ProvinceProfile
from registry.rules.profiles import HUNAN, SICHUAN
from registry.rules.views import AuthorityView, FilingView, InstitutionView, OccupationView, ProjectView, StatusChange
from registry.vocab import CertificateKind, FilingStatus, InstitutionKind, InstitutionOwner, ProjectStatus
from tests.unit.rules.records import (
    ACCESS_TYPE,
    ALL_LEVELS,
    CANCELLED,
    CATALOGUED,
    HN_CHANGSHA,
    HN_PROVINCE,
    PROJECT,
    SC_CHENGDU,
    SC_MIANYANG,
    SC_PROVINCE,
    UNCATALOGUED,
    filing,
    institution,
    occupation_filing,
)

K = CertificateKind
DAY = date(2024, 6, 1)


def check(
    *,
    kind: CertificateKind = K.SKILL_LEVEL,
    occupation: OccupationView | None = CATALOGUED,
    project: ProjectView | None = None,
    level: int | None = 4,
    day: date = DAY,
    filings: Sequence[FilingView] | None = None,
    where: InstitutionView | None = None,
    authority: AuthorityView = HN_CHANGSHA,
    profile: ProvinceProfile = HUNAN,
) -> list[Violation]:
    context = EligibilityContext(
        profile=profile,
        institution=where or institution(),
        filing_authority=authority,
        filings=[filing()] if filings is None else filings,
    )
    found = context.check(kind=kind, occupation=occupation, project=project, level=level, assessed_on=day)
    for problem in found:
        assert problem.rule in {"1", "2", "3", "4", "5", "5a", "6"}
        assert problem.message_zh
        assert problem.message_en
    return found


def codes(found: list[Violation]) -> list[str]:
    return [problem.code for problem in found]


# Rule 1: the filed scope.


def test_rule1_inside_the_scope_passes() -> None:
    assert check() == []
    assert check(kind=K.SPECIAL_ABILITY, occupation=None, project=PROJECT, level=None) == []


def test_rule1_occupation_outside_the_scope() -> None:
    narrow = occupation_filing(UNCATALOGUED.code, frozenset({5}))
    found = check(filings=[narrow])
    assert codes(found) == ["scope.not_filed"]
    assert found[0].rule == "1"
    assert CATALOGUED.code in found[0].message_zh


def test_rule1_level_outside_the_scope() -> None:
    assert codes(check(occupation=UNCATALOGUED, level=2)) == [
        "catalogue.level_not_defined",
        "scope.level_not_filed",
    ]
    narrow = occupation_filing(levels=frozenset({4, 5}))
    assert codes(check(level=3, filings=[narrow])) == ["scope.level_not_filed"]


def test_rule1_project_outside_the_scope() -> None:
    other = ProjectView(code="HN99", name="未备案项目", status=ProjectStatus.ACTIVE, published_on=date(2022, 1, 1))
    assert codes(check(kind=K.SPECIAL_ABILITY, occupation=None, project=other, level=None)) == ["scope.not_filed"]


def test_rule1_a_filed_occupation_covers_its_trades() -> None:
    trade = msgspec.structs.replace(CATALOGUED, code="6-31-01-03-02")
    assert check(occupation=trade) == []
    only_trade = occupation_filing("6-31-01-03-02")
    assert check(occupation=trade, filings=[only_trade]) == []
    assert codes(check(filings=[only_trade])) == ["scope.not_filed"]


def test_rule1_a_scope_row_allows_only_the_kinds_it_names() -> None:
    """A skill-level filing does not allow qualification certificates (issue 11), and the other way round."""
    skill_only = occupation_filing(kinds=frozenset({K.SKILL_LEVEL}))
    assert check(kind=K.SKILL_LEVEL, filings=[skill_only]) == []
    found = check(kind=K.QUALIFICATION, filings=[skill_only])
    assert codes(found) == ["scope.kind_not_filed"]
    assert (found[0].rule, found[0].field) == ("1", "kind")
    assert "职业资格证书" in found[0].message_zh
    assert "qualification" in found[0].message_en
    qualification_only = occupation_filing(kinds=frozenset({K.QUALIFICATION}))
    assert check(kind=K.QUALIFICATION, filings=[qualification_only]) == []
    assert codes(check(kind=K.SKILL_LEVEL, filings=[qualification_only])) == ["scope.kind_not_filed"]


def test_rule1_another_filing_may_allow_the_other_kind() -> None:
    skill = occupation_filing(kinds=frozenset({K.SKILL_LEVEL}))
    qualification = msgspec.structs.replace(occupation_filing(kinds=frozenset({K.QUALIFICATION})), id=2)
    assert check(kind=K.QUALIFICATION, filings=[skill, qualification]) == []


def test_rule1_a_row_that_names_no_kind_allows_what_its_subject_had() -> None:
    """Rows stored before scope rows named their kinds (migration 0005 gives them the same)."""
    legacy = filing()  # no row of the default scope names its kinds
    assert check(kind=K.SKILL_LEVEL, filings=[legacy]) == []
    assert check(kind=K.QUALIFICATION, filings=[legacy]) == []
    assert check(kind=K.SPECIAL_ABILITY, occupation=None, project=PROJECT, level=None, filings=[legacy]) == []


@pytest.mark.parametrize(
    ("kind", "occupation", "project", "level", "expected"),
    [
        (K.SKILL_LEVEL, CATALOGUED, None, None, ["kind.level_required"]),
        (K.QUALIFICATION, None, None, 3, ["kind.occupation_required"]),
        (K.SKILL_LEVEL, CATALOGUED, None, 6, ["level.range"]),
        (K.SKILL_LEVEL, CATALOGUED, None, 0, ["level.range"]),
        (K.SPECIAL_ABILITY, None, None, None, ["kind.project_required"]),
        (K.SPECIAL_ABILITY, None, PROJECT, 3, ["kind.level_not_applicable"]),
    ],
)
def test_rule1_the_kind_needs_its_inputs(
    kind: CertificateKind,
    occupation: OccupationView | None,
    project: ProjectView | None,
    level: int | None,
    expected: list[str],
) -> None:
    assert codes(check(kind=kind, occupation=occupation, project=project, level=level)) == expected


# Rule 2: an active filing, in its validity window.


def test_rule2_no_filing_at_all() -> None:
    assert codes(check(filings=[])) == ["filing.none"]


def test_rule2_filings_of_other_institutions_are_ignored() -> None:
    assert codes(check(filings=[filing(institution_code="S000043000999")])) == ["filing.none"]


def test_rule2_suspension_holds_and_reactivation_releases() -> None:
    history = (
        (FilingStatus.ACTIVE, date(2024, 1, 1)),
        (FilingStatus.SUSPENDED, date(2025, 3, 1)),
        (FilingStatus.ACTIVE, date(2025, 4, 1)),
    )
    assert check(filings=[filing(*history)], day=date(2025, 2, 28)) == []
    assert codes(check(filings=[filing(*history)], day=date(2025, 3, 1))) == ["filing.suspended"]
    assert codes(check(filings=[filing(*history)], day=date(2025, 3, 31))) == ["filing.suspended"]
    assert check(filings=[filing(*history)], day=date(2025, 4, 1)) == []


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (FilingStatus.REVOKED, "filing.revoked"),
        (FilingStatus.WITHDRAWN, "filing.withdrawn"),
        (FilingStatus.EXPIRED, "filing.expired"),
    ],
)
def test_rule2_ended_filings(status: FilingStatus, code: str) -> None:
    ended = filing((FilingStatus.ACTIVE, date(2024, 1, 1)), (status, date(2024, 5, 1)))
    assert check(filings=[ended], day=date(2024, 4, 30)) == []
    found = check(filings=[ended])
    assert codes(found) == [code]
    assert found[0].rule == "2"


def test_rule2_validity_window() -> None:
    assert check(day=date(2026, 12, 31)) == []
    assert codes(check(day=date(2027, 1, 1))) == ["filing.expired"]
    assert codes(check(day=date(2023, 12, 31))) == ["filing.outside_validity"]


def test_rule2_not_yet_in_force() -> None:
    later = filing((FilingStatus.ACTIVE, date(2024, 9, 1)))
    assert codes(check(filings=[later])) == ["filing.none_active"]


def test_rule2_a_renewed_filing_replaces_an_expired_one() -> None:
    old = filing(valid_from=date(2021, 1, 1), valid_to=date(2023, 12, 31), filing_id=1)
    new = filing(valid_from=date(2024, 1, 1), valid_to=date(2026, 12, 31), filing_id=2)
    assert check(filings=[old, new]) == []
    assert codes(check(filings=[old])) == ["filing.expired"]


def partly(*changes: StatusChange) -> FilingView:
    """The default filing, active from its first day, with the changes of part of it that follow."""
    return msgspec.structs.replace(filing(), history=(StatusChange(FilingStatus.ACTIVE, date(2024, 1, 1)), *changes))


def test_rule2_a_suspension_of_one_occupation_refuses_that_occupation_only() -> None:
    """004:42: 被要求整改的职业（含范围、等级和类别），暂停开展鉴定工作."""
    record = partly(StatusChange(FilingStatus.SUSPENDED, date(2024, 5, 1), subject_code=CATALOGUED.code))
    found = check(filings=[record])
    assert codes(found) == ["filing.part_suspended"]
    assert found[0].rule == "2"
    assert CATALOGUED.code in found[0].message_zh
    assert "2024-05-01" in found[0].message_en
    assert check(occupation=UNCATALOGUED, filings=[record]) == []
    assert check(filings=[record], day=date(2024, 4, 30)) == []
    trade = msgspec.structs.replace(CATALOGUED, code="6-31-01-03-02")
    assert codes(check(occupation=trade, filings=[record])) == ["filing.part_suspended"]  # its trades too


def test_rule2_a_suspension_of_one_level_or_one_kind() -> None:
    level_3 = partly(StatusChange(FilingStatus.SUSPENDED, date(2024, 5, 1), levels=frozenset({3})))
    assert codes(check(level=3, filings=[level_3])) == ["filing.part_suspended"]
    assert check(level=4, filings=[level_3]) == []
    qualification = partly(StatusChange(FilingStatus.SUSPENDED, date(2024, 5, 1), kind=K.QUALIFICATION))
    assert codes(check(kind=K.QUALIFICATION, filings=[qualification])) == ["filing.part_suspended"]
    assert check(kind=K.SKILL_LEVEL, filings=[qualification]) == []


def test_rule2_a_partial_suspension_is_lifted_by_its_own_change_or_a_whole_one() -> None:
    suspended = StatusChange(FilingStatus.SUSPENDED, date(2024, 5, 1), subject_code=CATALOGUED.code)
    lifted = partly(suspended, StatusChange(FilingStatus.ACTIVE, date(2024, 5, 20), subject_code=CATALOGUED.code))
    assert codes(check(filings=[lifted], day=date(2024, 5, 19))) == ["filing.part_suspended"]
    assert check(filings=[lifted], day=date(2024, 5, 20)) == []
    revoked = partly(suspended, StatusChange(FilingStatus.REVOKED, date(2024, 5, 20)))
    assert codes(check(occupation=UNCATALOGUED, filings=[revoked])) == ["filing.revoked"]
    assert revoked.status_on(date(2024, 5, 10)) is FilingStatus.ACTIVE  # the filing as a whole


def test_rule2_status_on_a_date() -> None:
    record = filing((FilingStatus.ACTIVE, date(2024, 1, 1)), (FilingStatus.SUSPENDED, date(2025, 3, 1)))
    assert record.status_on(date(2023, 12, 31)) is None
    assert record.status_on(date(2024, 6, 1)) is FilingStatus.ACTIVE
    assert record.status_on(date(2025, 3, 1)) is FilingStatus.SUSPENDED


# Rule 3: the national catalogue, cancelled and access-type occupations.


def test_rule3_qualification_needs_the_national_catalogue() -> None:
    assert check(kind=K.QUALIFICATION, occupation=CATALOGUED) == []
    found = check(kind=K.QUALIFICATION, occupation=UNCATALOGUED)
    assert codes(found) == ["catalogue.not_in_qualification_catalogue"]
    assert found[0].rule == "3"
    assert check(kind=K.SKILL_LEVEL, occupation=UNCATALOGUED) == []


def test_rule3_cancelled_occupation() -> None:
    assert check(occupation=CANCELLED, day=date(2023, 12, 31), filings=[filing(valid_from=date(2023, 1, 1))]) == []
    assert codes(check(occupation=CANCELLED)) == ["catalogue.occupation_cancelled"]
    assert codes(check(kind=K.QUALIFICATION, occupation=CANCELLED)) == ["catalogue.occupation_cancelled"]


def test_rule3_occupation_not_yet_catalogued() -> None:
    future = msgspec.structs.replace(CATALOGUED, valid_from=date(2024, 7, 1))
    assert codes(check(occupation=future)) == ["catalogue.occupation_not_yet_valid"]


def test_rule3_access_type_is_outside_skill_level_certification() -> None:
    assert codes(check(kind=K.SKILL_LEVEL, occupation=ACCESS_TYPE)) == ["catalogue.access_type_not_skill_level"]
    assert check(kind=K.QUALIFICATION, occupation=ACCESS_TYPE) == []


# Rule 4: technical schools are capped by their type.


@pytest.mark.parametrize(
    ("kind", "allowed", "refused"),
    [
        (InstitutionKind.TECHNICIAN_COLLEGE, 1, None),
        (InstitutionKind.SENIOR_TECHNICAL_SCHOOL, 3, 2),
        (InstitutionKind.TECHNICAL_SCHOOL, 4, 3),
    ],
)
def test_rule4_school_caps(kind: InstitutionKind, allowed: int, refused: int | None) -> None:
    school = institution(kind=kind)
    consented = [occupation_filing(consent_on=date(2024, 1, 1))]
    assert check(where=school, level=allowed, filings=consented) == []
    if refused is not None:
        found = check(where=school, level=refused, filings=consented)
        assert codes(found) == ["school.level_cap"]
        assert found[0].rule == "4"
        assert str(allowed) in found[0].message_en


def test_rule4_does_not_cap_stations() -> None:
    assert check(where=institution(kind=InstitutionKind.STATION), level=1) == []


# Rule 5: who may file what (Sichuan only).


def sichuan(level: int, authority: AuthorityView, owner: InstitutionOwner = InstitutionOwner.LOCAL) -> list[str]:
    where = institution(code="S000051000007", owner=owner, region=authority.region_code, authority=authority.code)
    record = filing(institution_code=where.code, filed_by=authority.code)
    return codes(check(level=level, where=where, authority=authority, filings=[record], profile=SICHUAN))


def test_rule5_city_files_level_3_and_below() -> None:
    assert sichuan(3, SC_MIANYANG) == []
    assert sichuan(2, SC_MIANYANG) == ["authority.level_not_filable"]


def test_rule5_chengdu_files_level_2_and_below() -> None:
    assert sichuan(2, SC_CHENGDU) == []
    assert sichuan(1, SC_CHENGDU) == ["authority.level_not_filable"]


def test_rule5_province_files_every_level_and_owner() -> None:
    assert sichuan(1, SC_PROVINCE) == []
    assert sichuan(1, SC_PROVINCE, InstitutionOwner.MINISTRY) == []


def test_rule5_province_owned_units_are_filed_by_the_province() -> None:
    assert sichuan(4, SC_MIANYANG, InstitutionOwner.PROVINCE) == ["authority.owner_requires_province"]
    assert sichuan(4, SC_CHENGDU, InstitutionOwner.INDUSTRY) == ["authority.owner_requires_province"]


def filed_by(authority: AuthorityView, filing_id: int = 1, levels: frozenset[int] = ALL_LEVELS) -> FilingView:
    record = occupation_filing(levels=levels)
    return msgspec.structs.replace(
        record, id=filing_id, institution_code="S000051000007", filed_by=authority.code, authority=authority
    )


@pytest.mark.parametrize("profile", [SICHUAN, HUNAN], ids=["sichuan", "hunan"])
def test_rule5_judges_the_authority_that_filed_the_filing_not_the_institution_record(
    profile: ProvinceProfile,
) -> None:
    # The institution record names the province, but the filing covering level 1 was filed by a city.
    where = institution(code="S000051000007", region="510700", authority=SC_PROVINCE.code)
    by_city = check(level=1, where=where, authority=SC_PROVINCE, filings=[filed_by(SC_MIANYANG)], profile=profile)
    if profile is SICHUAN:
        assert [(v.code, v.rule) for v in by_city] == [("authority.level_not_filable", "5")]
        assert "Authority SC-MY may not file" in by_city[0].message_en
    else:
        assert by_city == []
    # …and the other way round: the record names a city, the level-1 filing is the province's.
    where = institution(code="S000051000007", region="510700", authority=SC_MIANYANG.code)
    by_province = check(level=1, where=where, authority=SC_MIANYANG, filings=[filed_by(SC_PROVINCE)], profile=profile)
    assert codes(by_province) == []


def test_rule5_passes_when_one_allowing_filing_was_filed_by_the_province() -> None:
    where = institution(code="S000051000007", region="510700", authority=SC_MIANYANG.code)
    both = [filed_by(SC_MIANYANG, 1), filed_by(SC_PROVINCE, 2)]
    assert codes(check(level=1, where=where, authority=SC_MIANYANG, filings=both, profile=SICHUAN)) == []
    city_only = [filed_by(SC_MIANYANG, 1), filed_by(SC_PROVINCE, 2, frozenset({3, 4, 5}))]
    found = check(level=1, where=where, authority=SC_PROVINCE, filings=city_only, profile=SICHUAN)
    assert codes(found) == ["authority.level_not_filable"]


def test_rule5_is_skipped_in_hunan() -> None:
    assert check(level=1, where=institution(owner=InstitutionOwner.PROVINCE)) == []
    assert check(level=1, authority=HN_PROVINCE) == []


# Rule 5a (Hunan): a school's 三级/高级工 and above needs the province centre's consent.


def consent(on: date | None) -> list[FilingView]:
    return [occupation_filing(consent_on=on)]


def test_rule5a_a_hunan_school_needs_the_province_centres_consent_for_level_3_and_above() -> None:
    college = institution(kind=InstitutionKind.TECHNICIAN_COLLEGE)
    found = check(where=college, level=3, filings=consent(None))
    assert codes(found) == ["scope.consent_required"]
    assert (found[0].rule, found[0].field) == ("5a", "level")
    assert "省鉴定中心同意" in found[0].message_zh
    assert check(where=college, level=3, filings=consent(date(2024, 3, 1))) == []
    assert check(where=college, level=1, filings=consent(date(2024, 6, 1))) == []  # consented that very day
    assert codes(check(where=college, level=2, filings=consent(date(2024, 6, 2)))) == ["scope.consent_required"]
    assert check(where=college, level=4, filings=consent(None)) == []  # 中级工 needs none


def test_rule5a_is_for_schools_in_hunan_only() -> None:
    assert check(where=institution(kind=InstitutionKind.EVALUATION_ORG), level=1, filings=consent(None)) == []
    where = institution(code="S000051000007", kind=InstitutionKind.TECHNICIAN_COLLEGE, region="510100",
                        authority=SC_CHENGDU.code)  # fmt: skip
    record = [filing(institution_code=where.code, filed_by=SC_CHENGDU.code)]
    assert check(where=where, level=3, authority=SC_CHENGDU, filings=record, profile=SICHUAN) == []


# Rule 6: special-ability projects: published, not withdrawn, pilot at most six months.


def special(project: ProjectView, day: date = DAY) -> list[str]:
    return codes(check(kind=K.SPECIAL_ABILITY, occupation=None, project=project, level=None, day=day))


def test_rule6_withdrawn_project() -> None:
    withdrawn = msgspec.structs.replace(PROJECT, status=ProjectStatus.WITHDRAWN, withdrawn_on=date(2024, 5, 1))
    assert special(withdrawn, date(2024, 4, 30)) == []
    assert special(withdrawn) == ["project.withdrawn"]
    undated = msgspec.structs.replace(PROJECT, status=ProjectStatus.WITHDRAWN)
    assert special(undated) == ["project.withdrawn"]


def test_rule6_pilot_lasts_six_months_at_most() -> None:
    pilot = msgspec.structs.replace(PROJECT, status=ProjectStatus.PILOT, published_on=date(2024, 1, 15))
    assert special(pilot, date(2024, 7, 14)) == []
    assert special(pilot, date(2024, 7, 15)) == ["project.pilot_expired"]
    early = msgspec.structs.replace(pilot, pilot_ends=date(2024, 3, 31))
    assert special(early, date(2024, 4, 1)) == ["project.pilot_expired"]


def test_rule6_a_project_after_its_pilot_is_active() -> None:
    graduated = msgspec.structs.replace(PROJECT, status=ProjectStatus.ACTIVE, published_on=date(2021, 1, 15))
    assert special(graduated, date(2024, 6, 1)) == []


def test_rule6_six_months_limit_the_pilot_phase_not_the_project() -> None:
    """003:31 (issue 11): published 15 Jan 2024, pilot to 14 Jul, in general use from 1 Sep."""
    project = msgspec.structs.replace(
        PROJECT, status=ProjectStatus.ACTIVE, published_on=date(2024, 1, 15), active_from=date(2024, 9, 1)
    )
    assert special(project, date(2024, 3, 1)) == []  # in its pilot phase
    assert special(project, date(2025, 10, 1)) == []  # long past six months, in general use
    found = check(kind=K.SPECIAL_ABILITY, occupation=None, project=project, level=None, day=date(2024, 8, 1))
    assert codes(found) == ["project.pilot_expired"]  # between the pilot's end and general use
    assert "2024-07-14" in found[0].message_en
    still_pilot = msgspec.structs.replace(project, status=ProjectStatus.PILOT, active_from=None)
    assert special(still_pilot, date(2025, 10, 1)) == ["project.pilot_expired"]


def test_rule6_not_yet_published() -> None:
    future = msgspec.structs.replace(PROJECT, published_on=date(2024, 7, 1))
    assert special(future) == ["project.not_yet_published"]


# Independent rules are all reported; the context gives the same answers, fast.


def test_independent_violations_are_all_reported() -> None:
    school = institution(kind=InstitutionKind.TECHNICAL_SCHOOL)
    found = check(kind=K.QUALIFICATION, occupation=UNCATALOGUED, level=3, where=school, day=date(2027, 6, 1))
    assert codes(found) == ["catalogue.not_in_qualification_catalogue", "school.level_cap", "filing.expired"]


def test_context_matches_the_simple_entry_point_and_judges_each_row_once(monkeypatch: pytest.MonkeyPatch) -> None:
    context = EligibilityContext(
        profile=HUNAN, institution=institution(), filing_authority=HN_CHANGSHA, filings=[filing()]
    )
    rows = [
        (K.SKILL_LEVEL, CATALOGUED, None, 4, DAY),
        (K.QUALIFICATION, UNCATALOGUED, None, 3, DAY),
        (K.SKILL_LEVEL, ACCESS_TYPE, None, 5, date(2027, 1, 1)),
        (K.SPECIAL_ABILITY, None, PROJECT, None, DAY),
    ]
    for kind, occupation, project, level, day in rows:
        assert context.check(kind=kind, occupation=occupation, project=project, level=level, assessed_on=day) == check(
            kind=kind, occupation=occupation, project=project, level=level, day=day
        )
    judged: list[object] = []
    judge = context._judge

    def counting(*args: Any) -> list[Violation]:
        judged.append(args)
        return judge(*args)

    monkeypatch.setattr(context, "_judge", counting)
    for index in range(10_000):
        kind, occupation, project, level, day = rows[index % len(rows)]
        context.check(kind=kind, occupation=occupation, project=project, level=level, assessed_on=day)
    assert judged == []  # a batch's rows repeat a few (kind, subject, level, day): each was judged once, above


def test_the_caller_cannot_alter_cached_answers() -> None:
    context = EligibilityContext(
        profile=HUNAN, institution=institution(), filing_authority=HN_CHANGSHA, filings=[filing()]
    )
    first = context.check(kind=K.QUALIFICATION, occupation=UNCATALOGUED, project=None, level=3, assessed_on=DAY)
    first.clear()
    again = context.check(kind=K.QUALIFICATION, occupation=UNCATALOGUED, project=None, level=3, assessed_on=DAY)
    assert codes(again) == ["catalogue.not_in_qualification_catalogue"]
