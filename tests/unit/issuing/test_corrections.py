"""What an operator types for a revocation or a replacement is checked like an imported row."""

from __future__ import annotations

from datetime import date

import pytest

from issuer.issuing.corrections import Content, Correction, check_name, check_number, check_reason, corrected
from issuer.issuing.errors import InvalidInputError
from registry import holders
from registry.rules.profiles import HUNAN
from registry.vocab import CertificateKind

TODAY = date(2026, 11, 24)
SECRET = b"unit-test-secret-0123456789"
CURRENT = Content(
    holder_name="张三",
    holder_id_digest=holders.id_digest(SECRET, "430102199003071234"),
    holder_id_masked="430102********1234",
    subject_code="6-31-01-03",
    level=3,
)


def _code(call: object) -> str:
    assert callable(call)
    with pytest.raises(InvalidInputError) as caught:
        call()
    assert " / " in str(caught.value)  # Chinese / English
    return caught.value.code


def test_reason() -> None:
    assert check_reason("  遗失\n补办 ") == "遗失\n补办"
    assert _code(lambda: check_reason(" \u3000 ")) == "reason.required"
    assert _code(lambda: check_reason("x" * 501)) == "reason.too_long"
    assert check_reason("x" * 500) == "x" * 500
    assert _code(lambda: check_reason("a\x07b")) == "reason.characters"


@pytest.mark.parametrize(
    ("typed", "kept"),
    [(" 张　三 ", "张三"), ("阿依古丽•买买提", "阿依古丽·买买提"), ("Anna  Lee-O'Neil", "Anna Lee-O'Neil")],
)
def test_names_are_normalised(typed: str, kept: str) -> None:
    assert check_name(typed) == kept


@pytest.mark.parametrize(
    ("typed", "code"),
    [("", "name.required"), ("张三1", "name.characters"), ("张<三>", "name.characters"), ("张" * 65, "name.too_long")],
)
def test_bad_names(typed: str, code: str) -> None:
    assert _code(lambda: check_name(typed)) == code


def test_numbers_are_validated_and_canonical() -> None:
    assert check_number(HUNAN, " s000043000101253000001 ", today=TODAY) == "S000043000101253000001"
    assert _code(lambda: check_number(HUNAN, "S000043000101253000", today=TODAY)) == "number.length"
    assert _code(lambda: check_number(HUNAN, "S000043000101993000001", today=TODAY)) == "number.year"


def test_a_correction_changes_only_what_it_names() -> None:
    result = corrected(
        CURRENT, Correction(level="高级技师", holder_id="430103198511202618"), CertificateKind.SKILL_LEVEL,
        today=TODAY, id_secret=SECRET,
    )  # fmt: skip
    assert (result.holder_name, result.level, result.subject_code) == ("张三", 1, "6-31-01-03")
    assert result.holder_id_digest == holders.id_digest(SECRET, "430103198511202618")
    assert result.holder_id_masked == "430103********2618"


@pytest.mark.parametrize(
    ("correction", "kind", "code"),
    [
        (Correction(), CertificateKind.SKILL_LEVEL, "replace.nothing_changed"),
        (Correction(holder_name="张 三"), CertificateKind.SKILL_LEVEL, "replace.nothing_changed"),
        (Correction(holder_id="430102199003071235"), CertificateKind.SKILL_LEVEL, "id.checksum"),
        (Correction(subject_code="63101-03"), CertificateKind.SKILL_LEVEL, "occupation.format"),
        (Correction(level=6), CertificateKind.SKILL_LEVEL, "level.range"),
        (Correction(level=2), CertificateKind.SPECIAL_ABILITY, "kind.level_not_applicable"),
        (Correction(subject_code="湘绣"), CertificateKind.SPECIAL_ABILITY, "project.format"),
    ],
)
def test_bad_corrections(correction: Correction, kind: CertificateKind, code: str) -> None:
    assert _code(lambda: corrected(CURRENT, correction, kind, today=TODAY, id_secret=SECRET)) == code


def test_full_width_occupation_codes_are_accepted() -> None:
    result = corrected(
        CURRENT,
        Correction(subject_code="６－３１－０１－０４"),
        CertificateKind.SKILL_LEVEL,
        today=TODAY,
        id_secret=SECRET,
    )
    assert result.subject_code == "6-31-01-04"
