"""Every row rule of the import, judged by the pure :class:`RowChecker` on explicit views."""

from __future__ import annotations

from datetime import date

import pytest

from issuer.batches.columns import ColumnMap, Field
from issuer.batches.importer import mark_in_file_duplicates, mark_known_duplicates
from issuer.batches.rows import NO_DIGEST, CheckedRow, RowChecker, loose_mask
from registry.holders import id_digest
from registry.rules.eligibility import EligibilityContext
from registry.rules.policy import ProvinceProfile
from registry.rules.profiles import HUNAN, SICHUAN
from registry.rules.views import AuthorityView, FilingView, ProjectView, ScopeRow
from registry.tabular import Row
from registry.vocab import AuthorityLevel, CertificateKind, FilingStatus, InstitutionKind, ProjectStatus
from tests.unit.rules.records import OCC, PRJ, filing, institution, occupation

SECRET = b"unit-test-secret-0123456789"
TODAY = date(2025, 7, 1)
ASSESSED = date(2025, 6, 1)
ID = "430102199003071234"
ELECTRICIAN = occupation("6-31-01-03", "电工", catalogued=False)
WELDER = occupation("6-18-02-04", "焊工", access_type=True)
EMBROIDERY = ProjectView(code="HN01", name="湘绣制作", status=ProjectStatus.ACTIVE, published_on=date(2022, 3, 1))
CITY = AuthorityView(code="430100", level=AuthorityLevel.CITY, region_code="430100")
SKILL_COLUMNS = ColumnMap(
    index={Field.NAME: 0, Field.ID_NUMBER: 1, Field.OCCUPATION: 2, Field.LEVEL: 3},
    headers={Field.NAME: "姓名", Field.ID_NUMBER: "身份证号", Field.OCCUPATION: "职业编码", Field.LEVEL: "等级"},
    ignored=(),
)
PROJECT_COLUMNS = ColumnMap(
    index={Field.NAME: 0, Field.ID_NUMBER: 1, Field.PROJECT: 2, Field.LEVEL: 3},
    headers={Field.NAME: "姓名", Field.ID_NUMBER: "身份证号", Field.PROJECT: "项目编码", Field.LEVEL: "等级"},
    ignored=(),
)


def _filing(
    *scope: ScopeRow,
    status: FilingStatus = FilingStatus.ACTIVE,
    code: str = "S000043000101",
    changed: date | None = None,
) -> FilingView:
    history = [(FilingStatus.ACTIVE, date(2024, 1, 1))]
    if status is not FilingStatus.ACTIVE:
        history.append((status, changed or date(2025, 5, 1)))
    return filing(*history, institution_code=code, valid_to=date(2027, 12, 31), scope=scope, filed_by=CITY.code)


def checker(
    *,
    kind: CertificateKind = CertificateKind.SKILL_LEVEL,
    institution_kind: InstitutionKind = InstitutionKind.EVALUATION_ORG,
    filing: FilingView | None = None,
    profile: ProvinceProfile = HUNAN,
    authority: AuthorityView = CITY,
    region: str = "430102",
) -> RowChecker:
    where = institution("S000043000101", institution_kind, region=region, authority=authority.code)
    scope = (
        ScopeRow(OCC, ELECTRICIAN.code, frozenset({2, 3, 4, 5})),
        ScopeRow(OCC, WELDER.code, frozenset({3, 4, 5})),
        ScopeRow(PRJ, EMBROIDERY.code),
    )
    context = EligibilityContext(
        profile=profile, institution=where, filing_authority=authority, filings=[filing or _filing(*scope)]
    )
    return RowChecker(
        kind=kind,
        assessed_on=ASSESSED,
        today=TODAY,
        secret=SECRET,
        columns=PROJECT_COLUMNS if kind is CertificateKind.SPECIAL_ABILITY else SKILL_COLUMNS,
        context=context,
        occupations={ELECTRICIAN.code: ELECTRICIAN, WELDER.code: WELDER},
        projects={EMBROIDERY.code: EMBROIDERY},
    )


def check(*cells: str, number: int = 2, **options: object) -> CheckedRow:
    return checker(**options).check(Row(number, cells))  # type: ignore[arg-type]


def codes(row: CheckedRow) -> list[str]:
    return [p.code for p in row.problems]


def test_a_good_row_is_normalised_and_keeps_only_digest_and_mask() -> None:
    row = check(" 张　三 ", "４３０１０２１９９００３０７１２３４", "6-31-01-03", "高级工")
    assert row.problems == []
    assert (row.holder_name, row.holder_id_masked, row.subject_code, row.level) == (
        "张三",
        "430102********1234",
        "6-31-01-03",
        3,
    )
    assert row.holder_id_digest == id_digest(SECRET, ID)
    assert row.comparable


@pytest.mark.parametrize(
    ("cells", "code", "column"),
    [
        (("", ID, "6-31-01-03", "3"), "cell.required", "姓名"),
        (("　", ID, "6-31-01-03", "3"), "cell.required", "姓名"),
        (("张" * 65, ID, "6-31-01-03", "3"), "name.too_long", "姓名"),
        (("张三1", ID, "6-31-01-03", "3"), "name.digits", "姓名"),
        (("张三<b>", ID, "6-31-01-03", "3"), "name.characters", "姓名"),
        (("张三", "", "6-31-01-03", "3"), "cell.required", "身份证号"),
        (("张三", "43010219900307123", "6-31-01-03", "3"), "id.format", "身份证号"),
        (("张三", "430102199003071235", "6-31-01-03", "3"), "id.checksum", "身份证号"),
        (("张三", "000000199003071234", "6-31-01-03", "3"), "id.region", "身份证号"),
        (("张三", "430102203001011236", "6-31-01-03", "3"), "id.birth_date", "身份证号"),
        (("张三", ID, "", "3"), "cell.required", "职业编码"),
        (("张三", ID, "63101-03", "3"), "occupation.format", "职业编码"),
        (("张三", ID, "1-01-01-01", "3"), "occupation.unknown", "职业编码"),
        (("张三", ID, "6-31-01-03", ""), "cell.required", "等级"),
        (("张三", ID, "6-31-01-03", "9"), "level.range", "等级"),
        (("张三", ID, "6-31-01-03", "大师"), "level.range", "等级"),
    ],
)
def test_each_cell_rule_names_its_column(cells: tuple[str, ...], code: str, column: str) -> None:
    row = check(*cells)
    assert code in codes(row)
    found = next(p for p in row.problems if p.code == code)
    assert found.column == column
    assert found.message_zh
    assert found.message_en
    # a bad name still compares for duplicates (same person); a bad ID, subject or level cannot
    assert row.comparable is (column == "姓名")


def test_a_bad_id_number_keeps_no_digest() -> None:
    row = check("张三", "430102199003071235", "6-31-01-03", "3")
    assert row.holder_id_digest == NO_DIGEST
    assert row.holder_id_masked == "430102********1235"
    assert loose_mask("123") == "***"
    assert loose_mask("1" * 40) == "111111" + "*" * 10 + "1111"


@pytest.mark.parametrize(
    ("occupation", "level", "code", "rule"),
    [
        ("6-31-01-03", "1", "scope.level_not_filed", "1"),  # filed for 2-5 only
        ("6-18-02-04", "3", "catalogue.access_type_not_skill_level", "3"),  # 焊工 is access type
    ],
)
def test_scope_and_catalogue_rules(occupation: str, level: str, code: str, rule: str) -> None:
    row = check("张三", ID, occupation, level)
    found = next(p for p in row.problems if p.code == code)
    assert found.rule == rule
    assert found.column in ("职业编码", "等级")


def test_qualification_needs_the_national_catalogue() -> None:
    row = check("张三", ID, "6-31-01-03", "3", kind=CertificateKind.QUALIFICATION)
    assert "catalogue.not_in_qualification_catalogue" in codes(row)


def test_a_suspended_filing_on_the_assessment_date_is_about_the_form_not_a_cell() -> None:
    scope = ScopeRow(OCC, ELECTRICIAN.code, frozenset({3}))
    row = check("张三", ID, "6-31-01-03", "3", filing=_filing(scope, status=FilingStatus.SUSPENDED))
    found = next(p for p in row.problems if p.code == "filing.suspended")
    assert (found.rule, found.column, found.field) == ("2", "", "assessed_on")


def test_the_school_cap_rule_4() -> None:
    row = check("张三", ID, "6-31-01-03", "2", institution_kind=InstitutionKind.TECHNICAL_SCHOOL)
    found = next(p for p in row.problems if p.code == "school.level_cap")
    assert (found.rule, found.column) == ("4", "等级")


def test_the_sichuan_filing_authority_rule_5() -> None:
    mianyang = AuthorityView(code="510700", level=AuthorityLevel.CITY, region_code="510700")
    row = check("张三", "510702199003071231", "6-31-01-03", "2", profile=SICHUAN, authority=mianyang, region="510702")
    found = next(p for p in row.problems if p.code == "authority.level_not_filable")
    assert found.rule == "5"


def test_special_ability_rows_name_a_project_and_no_level() -> None:
    ok = check("张三", ID, " hn01 ", "", kind=CertificateKind.SPECIAL_ABILITY)
    assert ok.problems == []
    assert (ok.subject_code, ok.level) == ("HN01", 0)
    unknown = check("张三", ID, "HN99", "", kind=CertificateKind.SPECIAL_ABILITY)
    assert codes(unknown) == ["project.unknown"]
    assert unknown.problems[0].rule == "6"
    levelled = check("张三", ID, "HN01", "3", kind=CertificateKind.SPECIAL_ABILITY)
    assert codes(levelled) == ["level.not_applicable"]


def test_every_problem_of_a_row_is_reported() -> None:
    row = check("", "123", "x", "9")
    assert codes(row) == ["cell.required", "id.format", "occupation.format", "level.range"]


def test_later_repeats_in_the_file_are_marked_with_the_first_row() -> None:
    c = checker()
    rows = [
        c.check(Row(2, ("张三", ID, "6-31-01-03", "3"))),
        c.check(Row(3, ("张三", ID, "6-31-01-03", "四级"))),  # another level: not a duplicate
        c.check(Row(4, ("张 三", ID, "6-31-01-03", "三级"))),
    ]
    mark_in_file_duplicates(rows, "身份证号")
    assert [codes(r) for r in rows] == [[], [], ["duplicate.in_file"]]
    assert "第2行" in rows[2].problems[0].message_zh


def test_known_duplicates_name_the_certificate_or_batch() -> None:
    c = checker()
    rows = [
        c.check(Row(2, ("张三", ID, "6-31-01-03", "3"))),
        c.check(Row(3, ("李四", "430103198511202618", "6-31-01-03", "3"))),
    ]
    mark_known_duplicates(
        rows,
        certificates={rows[0].key: "S000043000101253000001"},
        batches={rows[1].key: 7},
        column="身份证号",
    )
    assert codes(rows[0]) == ["duplicate.valid_certificate"]
    assert "S000043000101253000001" in rows[0].problems[0].message_en
    assert codes(rows[1]) == ["duplicate.pending_batch"]
