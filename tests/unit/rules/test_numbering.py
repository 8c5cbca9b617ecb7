"""Certificate numbers: round trips for every shipped rule, malformed numbers, scopes and overflow."""

from __future__ import annotations

from datetime import date

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.errors import SequenceOverflowError
from registry.rules.errors import NumberOverflowError, RuleError
from registry.rules.numbering import (
    check_capacity,
    describe_rule,
    format_number,
    max_sequence,
    normalise_number,
    number_parts_for,
    parse_any,
    parse_number,
    sequence_scope,
    validate_number,
)
from registry.rules.parts import NumberParts
from registry.rules.policy import ProvinceProfile
from registry.rules.profiles import HUNAN, SICHUAN
from registry.rules.segments import (
    InstitutionSegment,
    KindSegment,
    LevelSegment,
    LiteralSegment,
    NumberingRule,
    RegionSegment,
    SequenceSegment,
    YearSegment,
)
from registry.vocab import CertificateKind
from tests.unit.rules.records import institution

K = CertificateKind
TODAY = date(2025, 6, 1)
SKILL = HUNAN.numbering[K.SKILL_LEVEL]
QUAL = HUNAN.numbering[K.QUALIFICATION]
SPECIAL = HUNAN.numbering[K.SPECIAL_ABILITY]

#: One example per shipped rule: the profile, the parts and the number they make, pinned (a changed rule must not
#: silently change them; the special-ability numbers end in a check character, pinned in their own test).
ROWS = [
    (HUNAN, NumberParts(kind=K.SKILL_LEVEL, institution_code="S000043000123", year=2025, level=3, sequence=1)),
    (HUNAN, NumberParts(kind=K.QUALIFICATION, institution_code="43012001", year=2025, level=4, sequence=163)),
    (HUNAN, NumberParts(kind=K.SPECIAL_ABILITY, region_code="430100", year=2025, project_code="HN01", sequence=7)),
    (SICHUAN, NumberParts(kind=K.SKILL_LEVEL, institution_code="Y000151000007", year=2024, level=2, sequence=42)),
    (SICHUAN, NumberParts(kind=K.QUALIFICATION, institution_code="51012003", year=2024, level=5, sequence=99999)),
    (SICHUAN, NumberParts(kind=K.SPECIAL_ABILITY, region_code="510100", year=2024, project_code="0001", sequence=1)),
]
EXAMPLES = {profile.code: {parts.kind: parts for p, parts in ROWS if p is profile} for profile in (HUNAN, SICHUAN)}
NUMBERS = {
    ("hunan", K.SKILL_LEVEL): "S000043000123253000001",
    ("hunan", K.QUALIFICATION): "2543012001400163",
    ("sichuan", K.SKILL_LEVEL): "Y000151000007242000042",
    ("sichuan", K.QUALIFICATION): "2451012003599999",
}


@pytest.mark.parametrize(("profile", "parts"), ROWS, ids=[f"{p.code}-{parts.kind}" for p, parts in ROWS])
def test_examples_round_trip(profile: ProvinceProfile, parts: NumberParts) -> None:
    kind = parts.kind
    rule = profile.rule_for(kind)
    number = format_number(rule, parts)
    assert len(number) == rule.length
    assert parse_number(rule, number, today=TODAY) == parts
    assert parse_any(profile, number, today=TODAY) == (kind, parts)
    assert validate_number(rule, number) is None
    if (profile.code, kind) in NUMBERS:
        assert number == NUMBERS[profile.code, kind]


def test_special_ability_number_shape() -> None:
    number = format_number(SPECIAL, EXAMPLES["hunan"][K.SPECIAL_ABILITY])
    assert number[:18] == "4301002025HN010000"
    assert number[18] == "7"
    assert len(number) == 20


@st.composite
def parts_for(draw: st.DrawFn, rule: NumberingRule, province: str = "43") -> NumberParts:
    year = draw(st.integers(rule.first_year, TODAY.year))
    sequence = draw(st.integers(1, max_sequence(rule)))
    if rule.kind is K.SPECIAL_ABILITY:
        project = draw(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=4, max_size=4))
        region = draw(st.sampled_from([f"{province}0100", f"{province}0200", f"{province}3100", f"{province}0000"]))
        return NumberParts(kind=rule.kind, region_code=region, year=year, project_code=project, sequence=sequence)
    if rule.kind is K.SKILL_LEVEL:
        code = draw(st.from_regex(rf"[YS][0-9]{{4}}{province}[0-9]{{6}}", fullmatch=True))
    else:
        code = draw(st.from_regex(r"[0-9]{4}[0-4][0-9]{3}", fullmatch=True))
    level = draw(st.integers(1, 5))
    return NumberParts(kind=rule.kind, institution_code=code, year=year, level=level, sequence=sequence)


@pytest.mark.parametrize("profile", [HUNAN, SICHUAN], ids=["hunan", "sichuan"])
@pytest.mark.parametrize("kind", list(CertificateKind))
@given(data=st.data())
def test_format_parse_round_trip_for_every_rule(
    profile: ProvinceProfile, kind: CertificateKind, data: st.DataObject
) -> None:
    rule = profile.rule_for(kind)
    parts = data.draw(parts_for(rule, profile.province_region[:2]))
    number = format_number(rule, parts)
    assert parse_number(rule, number, today=TODAY) == parts
    assert parse_any(profile, number.lower(), today=TODAY) == (kind, parts)


@given(data=st.data(), at=st.integers(0, 19), char=st.sampled_from("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*"))
def test_changing_one_character_of_a_checked_number_breaks_it(data: st.DataObject, at: int, char: str) -> None:
    number = format_number(SPECIAL, data.draw(parts_for(SPECIAL)))
    if number[at] == char:
        return
    assert validate_number(SPECIAL, number[:at] + char + number[at + 1 :]) is not None


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("S00004300012325300000", "number.length"),
        ("S0000430001232530000011", "number.length"),
        ("", "number.length"),
        ("X000043000123253000001", "number.format"),  # category must be Y or S
        ("S000051000123253000001", "number.format"),  # another province's institution
        ("S00004300012A253000001", "number.format"),
        ("S0000430001232A3000001", "number.format"),
        ("S000043000123256000001", "number.level"),
        ("S000043000123250000001", "number.level"),
        ("S000043000123183000001", "number.year"),  # 2018 < first year 2019 … read as 2118
        ("S000043000123263000001", "number.year"),  # 2026 is after today
        ("S000043000123253000000", "number.sequence"),
        ("2543012001600001", "number.level"),
        ("2543015001300001", "number.format"),  # station type 5 does not exist
        ("2543012001300000", "number.sequence"),
        ("4301002025HN0100007X", "number.checksum"),
        ("9901002025HN01000071", "number.format"),  # no such province
        ("4301002018HN01000071", "number.year"),
        ("4301002025HN-1000071", "number.format"),
    ],
)
def test_malformed_numbers_are_rejected_with_the_right_code(number: str, code: str) -> None:
    with pytest.raises(RuleError) as caught:
        parse_any(HUNAN, number, today=TODAY)
    assert caught.value.code == code
    assert caught.value.violation.message_zh
    assert caught.value.violation.message_en


def test_parse_any_normalises_typed_input() -> None:
    assert normalise_number(" s0000 4300 0123 2530 00001 ") == "S000043000123253000001"
    assert normalise_number("Ｓ０００") == "S000"
    assert normalise_number("\ufeffS000043000123253000001\u200b") == "S000043000123253000001"  # copied from a chat
    kind, parts = parse_any(HUNAN, "s000043000123 253000001")
    assert kind is K.SKILL_LEVEL
    assert parts.sequence == 1


def test_sequence_scope_keys() -> None:
    assert sequence_scope(SKILL, EXAMPLES["hunan"][K.SKILL_LEVEL]) == (
        "skill_level|institution=S000043000123|year=2025|level=3"
    )
    assert sequence_scope(QUAL, EXAMPLES["hunan"][K.QUALIFICATION]) == (
        "qualification|institution=43012001|level=4|year=2025"
    )
    assert sequence_scope(SPECIAL, EXAMPLES["hunan"][K.SPECIAL_ABILITY]) == (
        "special_ability|region=430100|year=2025|project=HN01"
    )


def test_scope_ignores_the_sequence_itself() -> None:
    first = EXAMPLES["hunan"][K.SKILL_LEVEL]
    later = msgspec.structs.replace(first, sequence=999)
    other_level = msgspec.structs.replace(first, level=4)
    assert sequence_scope(SKILL, first) == sequence_scope(SKILL, later)
    assert sequence_scope(SKILL, first) != sequence_scope(SKILL, other_level)


def test_overflow_is_detected_before_issuing() -> None:
    assert max_sequence(SKILL) == 999_999
    assert max_sequence(QUAL) == 99_999
    parts = EXAMPLES["hunan"][K.QUALIFICATION]
    check_capacity(QUAL, parts, last_issued=99_000, count=999)
    with pytest.raises(NumberOverflowError) as caught:
        check_capacity(QUAL, parts, last_issued=99_000, count=1_000)
    assert isinstance(caught.value, SequenceOverflowError)
    assert caught.value.code == "number.overflow"
    assert "100000" in caught.value.violation.message_en
    with pytest.raises(SequenceOverflowError):
        format_number(QUAL, msgspec.structs.replace(parts, sequence=100_000))


@pytest.mark.parametrize(
    ("change", "segment"),
    [
        ({"institution_code": "S00004300012"}, "institution code"),
        ({"institution_code": "S000051000123"}, "institution code"),
        ({"year": 2018}, "year"),
        ({"year": 2119}, "year"),
        ({"level": 0}, "level"),
        ({"level": 12}, "level"),
        ({"sequence": 0}, "sequence"),
    ],
)
def test_parts_that_do_not_fit_are_refused(change: dict[str, object], segment: str) -> None:
    parts = msgspec.structs.replace(EXAMPLES["hunan"][K.SKILL_LEVEL], **change)
    with pytest.raises(RuleError) as caught:
        format_number(SKILL, parts)
    assert caught.value.code == "number.part"
    assert segment in caught.value.violation.message_en


def test_parts_of_another_kind_are_refused() -> None:
    with pytest.raises(RuleError, match=r"number\.part"):
        format_number(QUAL, EXAMPLES["hunan"][K.SKILL_LEVEL])


def test_region_of_four_digits_needs_a_city_code() -> None:
    rule = NumberingRule(
        kind=K.SPECIAL_ABILITY,
        first_year=2021,
        segments=(
            LiteralSegment(text="ZX"),
            RegionSegment(length=4),
            YearSegment(length=2),
            KindSegment(char="Z"),
            LevelSegment(values="0"),
            SequenceSegment(length=5, scope=("region", "year")),
        ),
    )
    parts = NumberParts(kind=K.SPECIAL_ABILITY, region_code="430100", year=2025, sequence=3)
    number = format_number(rule, parts)
    assert number == "ZX430125Z000003"
    assert parse_number(rule, number) == parts
    with pytest.raises(RuleError, match=r"number\.part"):
        format_number(rule, msgspec.structs.replace(parts, region_code="430102"))
    with pytest.raises(RuleError, match=r"number\.format"):
        parse_number(rule, "ZY430125Z000003")
    with pytest.raises(RuleError, match=r"number\.format"):
        parse_number(rule, "ZX430125Y000003")


def test_the_two_letter_form_fits_by_widening_the_pattern() -> None:
    wide = NumberingRule(
        kind=K.SKILL_LEVEL,
        first_year=2019,
        segments=(
            InstitutionSegment(length=13, pattern="[YS][0-9]{4}43[0-9]{6}|[A-Z]{2}[0-9]{3}43[0-9]{6}"),
            *SKILL.segments[1:],
        ),
    )
    parts = msgspec.structs.replace(EXAMPLES["hunan"][K.SKILL_LEVEL], institution_code="TS00043000123")
    number = format_number(wide, parts)
    assert sum(c.isalpha() for c in number) == 2
    assert len(number) == 22
    assert parse_number(wide, number) == parts


def test_legacy_rules_keep_old_numbers_verifiable() -> None:
    old = NumberingRule(
        kind=K.SPECIAL_ABILITY,
        first_year=2015,
        segments=(
            LiteralSegment(text="HN"),
            YearSegment(length=4),
            SequenceSegment(length=6, scope=("year",)),
        ),
    )
    profile = msgspec.structs.replace(HUNAN, legacy_numbering=(old,))
    number = format_number(old, NumberParts(kind=K.SPECIAL_ABILITY, year=2018, sequence=5))
    assert number == "HN2018000005"
    with pytest.raises(RuleError, match=r"number\.length"):
        parse_any(HUNAN, number)
    assert parse_any(profile, number)[1].year == 2018


def test_number_parts_for_takes_segments_from_the_records() -> None:
    def parts(profile: ProvinceProfile, kind: CertificateKind, level: int | None, project: str | None) -> NumberParts:
        return number_parts_for(
            profile,
            kind,
            institution=institution(),
            authority_region="430100",
            year=2025,
            level=level,
            project_code=project,
            sequence=7 if project else 1,
        )

    assert format_number(SKILL, parts(HUNAN, K.SKILL_LEVEL, 3, None)) == "S000043000123253000001"
    special = parts(HUNAN, K.SPECIAL_ABILITY, None, "HN01")
    assert parse_any(HUNAN, format_number(SPECIAL, special))[1] == msgspec.structs.replace(special, institution_code="")
    with pytest.raises(RuleError, match=r"number\.no_rule"):
        parts(msgspec.structs.replace(HUNAN, numbering={}), K.SKILL_LEVEL, 3, None)


@pytest.mark.parametrize(
    "segments",
    [
        (YearSegment(length=2),),  # no sequence
        (SequenceSegment(length=3, scope=()), SequenceSegment(length=3, scope=())),
        (SequenceSegment(length=3, scope=("level",)),),  # scope names a part the number lacks
        (SequenceSegment(length=12, scope=()),),
        (InstitutionSegment(length=3, pattern="[A-"), SequenceSegment(length=3, scope=())),
        (LiteralSegment(text=""), SequenceSegment(length=3, scope=())),
        (KindSegment(char="ZX"), SequenceSegment(length=3, scope=())),
        (LevelSegment(values="6"), SequenceSegment(length=3, scope=())),
    ],
)
def test_malformed_rules_are_refused(segments: tuple[object, ...]) -> None:
    with pytest.raises(ValueError):
        NumberingRule(kind=K.SKILL_LEVEL, first_year=2019, segments=segments)  # type: ignore[arg-type]


def test_rules_are_data() -> None:
    encoded = msgspec.json.encode(SPECIAL)
    assert b'"type":"check"' in encoded
    assert msgspec.json.decode(encoded, type=NumberingRule) == SPECIAL
    assert "22 characters" in describe_rule(SKILL)


def test_parse_any_reads_back_every_sequence_of_a_run() -> None:
    """Every number of a 2,000-certificate run parses back to its own parts (how fast it does so is not a
    unit test's business: no wall-time bound here)."""
    example = EXAMPLES["hunan"][K.SKILL_LEVEL]
    for sequence in range(1, 2001):
        parts = msgspec.structs.replace(example, sequence=sequence)
        assert parse_any(HUNAN, format_number(SKILL, parts), today=TODAY) == (K.SKILL_LEVEL, parts)
