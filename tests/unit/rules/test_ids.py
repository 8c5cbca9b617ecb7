"""Resident ID numbers (GB 11643) and unified social credit codes (GB 32100): good, bad, and properties."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.rules.checkdigits import USCC_ALPHABET, mod11_2, uscc_check_char
from registry.rules.errors import RuleError
from registry.rules.ids import (
    birth_date_of,
    check_resident_id,
    check_uscc,
    mask_resident_id,
    normalise_resident_id,
    validate_resident_id,
    validate_uscc,
)
from registry.rules.regions import PROVINCE_PREFIXES

TODAY = date(2025, 6, 1)


def with_check(first17: str) -> str:
    return first17 + mod11_2(first17)


@pytest.mark.parametrize(
    "value",
    [
        "11010519491231002X",  # GB 11643's example
        with_check("43010219900307123"),  # Changsha
        with_check("51010719851224456"),  # Chengdu
        with_check("81000019900101123"),  # Hong Kong resident's residence permit
        with_check("43012420000229123"),  # abolished county code (长沙市郊区), leap day
        with_check("43010219900307001"),  # the first order code of a day
        with_check("43010219900307999"),  # the last
    ],
)
def test_good_resident_ids(value: str) -> None:
    assert check_resident_id(value, today=TODAY) is None


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "id.format"),
        ("11010519491231002", "id.format"),
        ("11010519491231002x", "id.format"),  # canonical form only; validate_* normalises
        ("1101051949123100XX", "id.format"),
        ("110105194912310021X", "id.format"),
        (with_check("99010519491231002"), "id.region"),
        (with_check("43000019900307123"), "id.region"),  # city part 00
        (with_check("90000019900307123"), "id.region"),  # new foreigners' permanent residence ID
        (with_check("43010219900230123"), "id.birth_date"),  # 30 February
        (with_check("43010219000229123"), "id.birth_date"),  # 1900 was not a leap year
        ("440524188001010014", "id.birth_date"),  # GB 11643's annex example: born 1880
        (with_check("43010220250602123"), "id.birth_date"),  # after today
        ("110105194912310021", "id.checksum"),
        (with_check("43010219900307000"), "id.order"),  # GB 11643 §5.4: order codes count from 001
        (with_check("11010519491231000"), "id.order"),
    ],
)
def test_bad_resident_ids(value: str, code: str) -> None:
    problem = check_resident_id(value, today=TODAY)
    assert problem is not None
    assert problem.code == code
    assert problem.message_zh
    assert problem.message_en


def test_an_impossible_birth_date_is_not_echoed() -> None:
    """The message said "出生日期19900230无效": eight digits of a holder's ID in a text that may be logged."""
    problem = check_resident_id(with_check("43010219900230123"), today=TODAY)
    assert problem is not None
    assert (problem.message_zh, problem.message_en) == (
        "身份证号码的出生日期无效：不是真实日期",
        "The birth date in the ID number is invalid: no such date",
    )


def test_order_code_000_is_refused_with_its_own_message() -> None:
    """A number with a right check character and order code 000 was accepted: no such number is assigned."""
    with pytest.raises(RuleError) as caught:
        validate_resident_id(with_check("43010219900307000"), today=TODAY)
    assert caught.value.code == "id.order"
    assert caught.value.violation.field == "id_number"
    assert (caught.value.violation.message_zh, caught.value.violation.message_en) == (
        "身份证号码第15至17位顺序码不能为000",
        "Digits 15 to 17 of the resident ID number (the order code) cannot be 000",
    )


def test_a_rounded_number_still_reads_as_a_wrong_check_character() -> None:
    """Excel keeps 15 digits: 430102199003070 + 000. The check character is judged first, so the upload
    checks still name rounding (id.rounded) rather than an order code that rounding made 000."""
    rounded = "430102199003070000"
    assert mod11_2(rounded[:17]) != "0"
    problem = check_resident_id(rounded, today=TODAY)
    assert problem is not None
    assert problem.code == "id.checksum"


def test_born_today_is_valid_and_tomorrow_is_not() -> None:
    born = with_check(f"430102{TODAY:%Y%m%d}123")
    assert check_resident_id(born, today=TODAY) is None
    assert check_resident_id(born, today=TODAY - timedelta(days=1)) is not None


def test_validate_normalises_what_people_type() -> None:
    assert validate_resident_id(" 1101 0519 4912 3100 2x ", today=TODAY) == "11010519491231002X"
    assert validate_resident_id("１１０１０５１９４９１２３１００２Ｘ", today=TODAY) == "11010519491231002X"
    assert normalise_resident_id("11010519491231002x") == "11010519491231002X"


def test_validate_raises_with_the_violation() -> None:
    with pytest.raises(RuleError) as caught:
        validate_resident_id("110105194912310021", today=TODAY)
    assert caught.value.code == "id.checksum"
    assert "X" in caught.value.violation.message_en


def test_birth_date_of() -> None:
    assert birth_date_of("11010519491231002X") == date(1949, 12, 31)
    with pytest.raises(RuleError, match=r"id\.birth_date"):
        birth_date_of("110105194913310021")


def test_mask_shows_first_six_and_last_four() -> None:
    assert mask_resident_id("11010519491231002x") == "110105********002X"
    with pytest.raises(RuleError, match=r"id\.format"):
        mask_resident_id("1101051949")


_prefixes = st.sampled_from(sorted(PROVINCE_PREFIXES))
_birth = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)


@st.composite
def resident_ids(draw: st.DrawFn) -> str:
    city = draw(st.integers(1, 99))
    county = draw(st.integers(0, 99))
    born = draw(_birth)
    order = draw(st.integers(1, 999))  # 000 is never assigned (id.order)
    return with_check(f"{draw(_prefixes)}{city:02d}{county:02d}{born:%Y%m%d}{order:03d}")


@given(resident_ids())
def test_any_well_formed_id_validates(value: str) -> None:
    assert check_resident_id(value, today=TODAY) is None


@given(resident_ids(), st.integers(0, 17), st.sampled_from("0123456789X"))
def test_changing_any_single_character_breaks_validation(value: str, at: int, char: str) -> None:
    if value[at] == char:
        return
    changed = value[:at] + char + value[at + 1 :]
    assert check_resident_id(changed, today=TODAY) is not None


@given(resident_ids())
def test_mask_keeps_first_six_and_last_four(value: str) -> None:
    masked = mask_resident_id(value)
    assert masked[:6] == value[:6]
    assert masked[-4:] == value[-4:]
    assert masked[6:14] == "*" * 8


@pytest.mark.parametrize(
    "code",
    [
        "914403001922038216",
        "91440300708461136T",
        "91110108551385082Q",
        "91430100MA4LKN0Y3R",
        "91430100MA4Q5W141P",
        "12100000400000624D",
        "1210000042500615X0",
    ],
)
def test_good_credit_codes(code: str) -> None:
    assert check_uscc(code) is None


@pytest.mark.parametrize(
    ("code", "violation"),
    [
        ("91110000100000589", "uscc.format"),
        ("91110000100000589BB", "uscc.format"),
        ("91110000I00000589B", "uscc.format"),  # I is not in the alphabet
        ("9111000010000058 B", "uscc.format"),
        ("B1110000100000589B", "uscc.authority"),
        ("94110000100000589B", "uscc.org_type"),
        ("911100A0100000589B", "uscc.region"),
        ("91110000100000599B", "uscc.org_code"),
        ("91110000100000589B", "uscc.org_code"),  # the brief's example fails already in positions 9-17
        ("91110000710925462Y", "uscc.checksum"),
        ("914403001922038215", "uscc.checksum"),
    ],
)
def test_bad_credit_codes(code: str, violation: str) -> None:
    problem = check_uscc(code)
    assert problem is not None
    assert problem.code == violation


def test_validate_uscc_normalises() -> None:
    assert validate_uscc(" 91430100ma4lkn0y3r ") == "91430100MA4LKN0Y3R"
    with pytest.raises(RuleError, match=r"uscc\.checksum"):
        validate_uscc("914403001922038215")


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    from registry.rules.checkdigits import org_code_check_char
    from registry.rules.ids import USCC_ORG_TYPES

    authority = draw(st.sampled_from(sorted(USCC_ORG_TYPES)))
    kind = draw(st.sampled_from(sorted(USCC_ORG_TYPES[authority])))
    region = draw(st.sampled_from(["430100", "510100", "110108", "000000"]))
    body = draw(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWY", min_size=8, max_size=8))
    org = body + org_code_check_char(body)
    first17 = f"{authority}{kind}{region}{org}"
    return first17 + uscc_check_char(first17)


@given(credit_codes())
def test_any_well_formed_credit_code_validates(code: str) -> None:
    assert check_uscc(code) is None


@given(credit_codes(), st.integers(0, 17), st.sampled_from(USCC_ALPHABET))
def test_changing_one_character_of_a_credit_code_breaks_it(code: str, at: int, char: str) -> None:
    if code[at] == char:
        return
    assert check_uscc(code[:at] + char + code[at + 1 :]) is not None


#: GB/T 2260's province-level prefixes, written out from the standard (not read from the code under test).
GB_T_2260_PROVINCES = {
    *range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47), *range(50, 55), *range(61, 66), 71, 81, 82,
}  # fmt: skip


@pytest.mark.parametrize("prefix", range(100))
def test_a_resident_id_is_accepted_under_a_province_prefix_only(prefix: int) -> None:
    """Every two-digit prefix: the 34 provinces pass, any other (00, 10, 99 …) is ``id.region``."""
    value = with_check(f"{prefix:02d}010219900307123")
    problem = check_resident_id(value, today=TODAY)
    if prefix in GB_T_2260_PROVINCES:
        assert problem is None, prefix
    else:
        assert problem is not None, prefix
        assert problem.code == "id.region", prefix
