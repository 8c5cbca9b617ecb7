"""Numbers of certificates issued before the registry: national layouts, declared free formats, safe patterns,
and where the counters start so new numbers never collide with imported ones."""

from __future__ import annotations

from datetime import date

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.rules.errors import RuleError
from registry.rules.freeformat import FreeFormat, pattern_lengths
from registry.rules.legacy import ImportedNumber, counter_floor, counter_floors, parse_legacy
from registry.rules.numbering import format_number, parse_any, parse_number, sequence_scope
from registry.rules.parts import NumberParts
from registry.rules.policy import ProvinceProfile
from registry.rules.profiles import HUNAN
from registry.vocab import CertificateKind

K = CertificateKind
TODAY = date(2025, 6, 1)
SKILL = HUNAN.numbering[K.SKILL_LEVEL]
QUAL = HUNAN.numbering[K.QUALIFICATION]
SOURCE = "湖南省职业技能鉴定管理系统（2016–2021）"
SPECIAL_2016 = FreeFormat(
    source=SOURCE,
    kind=K.SPECIAL_ABILITY,
    charset="upper_alnum",
    min_length=12,
    max_length=14,
    pattern="ZX[0-9]{4}[0-9]{6,8}",
    note="专项能力证书: ZX + year + sequence",
)
LOOSE = FreeFormat(
    source="株洲市鉴定站台账", kind=K.QUALIFICATION, charset="upper_alnum_dash", min_length=6, max_length=20
)
PROFILE = msgspec.structs.replace(HUNAN, legacy_formats=(SPECIAL_2016, LOOSE))


@pytest.mark.parametrize(
    ("number", "kind", "sequence"),
    [
        ("S000043000123243000057", K.SKILL_LEVEL, 57),  # national 22: S, 0000, 43, site 000123, 2024, level 3
        ("Y123443000001195000001", K.SKILL_LEVEL, 1),  # ministry-coded employer, 2019 (the first year)
        (" s000043000123 243000057 ", K.SKILL_LEVEL, 57),  # typed: spaces, lower case
        ("9543012001100042", K.QUALIFICATION, 42),  # national 16: 1995, station 43012001, level 1
        ("2143012003599999", K.QUALIFICATION, 99999),
    ],
)
def test_national_layouts(number: str, kind: CertificateKind, sequence: int) -> None:
    found = parse_legacy(PROFILE, number, kind=kind, source=SOURCE, today=TODAY)
    assert (found.kind, found.rule) == (kind, "numbering")
    assert found.parts is not None
    assert found.parts.sequence == sequence
    assert found.number == "".join(number.split()).upper()


@pytest.mark.parametrize(
    ("number", "kind", "code"),
    [
        ("S000043000123246000057", K.SKILL_LEVEL, "number.level"),  # level 6
        ("S000043000123240000057", K.SKILL_LEVEL, "number.level"),
        ("S000043000123183000057", K.SKILL_LEVEL, "number.year"),  # 2018: before skill-level certificates
        ("S000043000123263000057", K.SKILL_LEVEL, "number.year"),  # 2026: after the import day
        ("S000051000123243000057", K.SKILL_LEVEL, "number.format"),  # Sichuan's site in Hunan's registry
        ("X000043000123243000057", K.SKILL_LEVEL, "number.format"),  # category neither Y nor S
        ("S00004300012324300005", K.SKILL_LEVEL, "number.length"),
        ("S000043000123243000000", K.SKILL_LEVEL, "number.sequence"),
        ("9343012001100042", K.QUALIFICATION, "number.year"),  # 2093
        ("2543012001600042", K.QUALIFICATION, "number.level"),
        ("2543017001100042", K.QUALIFICATION, "number.format"),  # station type 7
        ("2543012001100000", K.QUALIFICATION, "number.sequence"),
    ],
)
def test_national_layouts_reject_structure_level_and_year(number: str, kind: CertificateKind, code: str) -> None:
    with pytest.raises(RuleError) as caught:
        parse_legacy(HUNAN, number, kind=kind, today=TODAY)
    assert caught.value.code == code


def test_a_declared_free_format_is_accepted_for_its_source_only() -> None:
    found = parse_legacy(PROFILE, "zx2018000123", kind=K.SPECIAL_ABILITY, source=SOURCE, today=TODAY)
    assert found == ImportedNumber(number="ZX2018000123", kind=K.SPECIAL_ABILITY, rule=f"free:{SOURCE}")
    with pytest.raises(RuleError, match=r"number\.length"):  # no source: only the segment rules apply
        parse_legacy(PROFILE, "ZX2018000123", kind=K.SPECIAL_ABILITY, today=TODAY)
    with pytest.raises(RuleError, match=r"number\.length"):  # another kind of the same source
        parse_legacy(PROFILE, "ZX2018000123", kind=K.SKILL_LEVEL, source=SOURCE, today=TODAY)


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("ZX2018-00123", "legacy.charset"),
        ("AB2018000123", "legacy.pattern"),
        ("ZX20180001", "number.length"),
        ("ZX201800012345X", "number.length"),
    ],
)
def test_free_format_faults(number: str, code: str) -> None:
    with pytest.raises(RuleError) as caught:
        parse_legacy(PROFILE, number, kind=K.SPECIAL_ABILITY, source=SOURCE, today=TODAY)
    assert caught.value.code == code
    assert caught.value.violation.message_zh
    assert caught.value.violation.message_en


def test_characters_and_bounds_alone() -> None:
    found = parse_legacy(PROFILE, "ZZ-1998/0042", kind=K.QUALIFICATION, source="株洲市鉴定站台账", today=TODAY)
    assert found.rule == "free:株洲市鉴定站台账"
    assert found.parts is None


def test_validate_accepts_imported_numbers_of_declared_formats() -> None:
    """The verify path (parse_any) must not answer "malformed" for an imported certificate's number."""
    assert parse_any(PROFILE, "ZX2018000123", today=TODAY) == (K.SPECIAL_ABILITY, NumberParts(kind=K.SPECIAL_ABILITY))
    assert parse_any(PROFILE, "ZZ-1998/0042") == (K.QUALIFICATION, NumberParts(kind=K.QUALIFICATION))
    with pytest.raises(RuleError, match=r"number\.length"):
        parse_any(HUNAN, "ZX2018000123")
    with pytest.raises(RuleError) as caught:
        parse_any(PROFILE, "?")
    assert caught.value.code == "number.length"
    assert "6-20" in caught.value.violation.message_en
    assert parse_any(PROFILE, "S000043000123243000057")[1].sequence == 57  # segment rules first


def test_profiles_with_free_formats_round_trip_through_json() -> None:
    assert ProvinceProfile.from_json(PROFILE.to_json()) == PROFILE


@pytest.mark.parametrize(
    "pattern",
    [
        "(ZX|ZY)[0-9]{8}",  # alternation, group
        "ZX[0-9]+",  # unbounded
        "ZX[0-9]*",
        "ZX[0-9]{2,}",
        "ZX.[0-9]{8}",
        "^ZX[0-9]{8}$",
        "ZX[^A-Z]{8}",
        r"ZX\w{8}",
        r"ZX\d{8}\1",
        "(?i)zx[0-9]{8}",
        "zx[0-9]{8}",  # lower case is outside the charset
        "ZX[9-0]{8}",
        "ZX[A-9]{8}",
        "ZX[0-9]{0}",
        "[0-9]{40}[0-9]{40}",  # longer than any number may be
    ],
)
def test_only_whitelisted_patterns_are_accepted(pattern: str) -> None:
    with pytest.raises(ValueError, match=r"pattern|repeat"):
        FreeFormat(source="s", kind=K.QUALIFICATION, min_length=1, max_length=64, pattern=pattern)


def test_pattern_lengths_must_fit_the_bounds() -> None:
    assert pattern_lengths("ZX[0-9]{4}[0-9]{6,8}", frozenset("ZX0123456789")) == (12, 14)
    with pytest.raises(ValueError, match="outside the bounds"):
        FreeFormat(source="s", kind=K.QUALIFICATION, min_length=13, max_length=14, pattern="ZX[0-9]{10}")
    with pytest.raises(ValueError, match="min_length"):
        FreeFormat(source="s", kind=K.QUALIFICATION, min_length=9, max_length=8)


def test_a_bad_free_format_in_a_profile_file_is_a_profile_error() -> None:
    data = msgspec.json.decode(PROFILE.to_json())
    data["legacy_formats"][0]["pattern"] = "ZX[0-9]+"
    with pytest.raises(RuleError) as caught:
        ProvinceProfile.from_json(msgspec.json.encode(data))
    assert caught.value.code == "profile.invalid"


def test_counter_floors_start_after_the_highest_imported_sequence_per_scope() -> None:
    imported = [
        "S000043000123243000057",
        "S000043000123243000012",
        "S000043000123244000003",  # level 4: another scope
        "S000043000123233000099",  # 2023: another scope
        "9543012001100042",
        "ZX2018000123",  # a free format no current rule prints: cannot collide
    ]
    floors = counter_floors(PROFILE, imported)
    scope = sequence_scope(SKILL, parse_number(SKILL, imported[0]))
    assert scope == "skill_level|institution=S000043000123|year=2024|level=3"
    assert floors == {
        scope: 58,
        "skill_level|institution=S000043000123|year=2024|level=4": 4,
        "skill_level|institution=S000043000123|year=2023|level=3": 100,
        "qualification|institution=43012001|level=1|year=1995": 43,
    }
    assert counter_floor(PROFILE, "ZX2018000123") is None


def test_a_free_format_number_shaped_like_a_current_one_still_moves_the_counter() -> None:
    assert counter_floor(PROFILE, "2543012001400163") == ("qualification|institution=43012001|level=4|year=2025", 164)


@given(st.lists(st.integers(1, 999_999), min_size=1, max_size=30, unique=True), st.integers(0, 50))
def test_numbering_after_import_never_collides(sequences: list[int], later: int) -> None:
    base = NumberParts(kind=K.SKILL_LEVEL, institution_code="S000043000123", year=2024, level=3)
    imported = {format_number(SKILL, msgspec.structs.replace(base, sequence=s)) for s in sequences}
    ((scope, next_value),) = counter_floors(HUNAN, imported).items()
    assert scope == sequence_scope(SKILL, base)
    assert next_value == max(sequences) + 1
    new = next_value + later
    if new <= 999_999:
        assert format_number(SKILL, msgspec.structs.replace(base, sequence=new)) not in imported
