"""Check-character algorithms against published vectors (ISO 7064 examples, GB 11643, real credit codes)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.rules.checkdigits import mod11_2, mod37_2, org_code_check_char, uscc_check_char


@pytest.mark.parametrize(
    ("body", "check"),
    [
        ("079", "X"),  # ISO 7064 MOD 11-2 example
        ("0794", "0"),
        ("11010519491231002", "X"),  # GB 11643-1999's own example ID number
        ("44052418800101001", "4"),  # GB 11643-1999 annex example
    ],
)
def test_mod11_2_vectors(body: str, check: str) -> None:
    assert mod11_2(body) == check


@settings(max_examples=500)
@given(st.text(alphabet="0123456789", min_size=1, max_size=40))
def test_mod11_2_is_the_iso_7064_recurrence(body: str) -> None:
    """The weighted sum computed equals ISO 7064's definition, digit by digit, for any length."""
    p = 0
    for char in body:
        p = ((p + int(char)) * 2) % 11
    assert mod11_2(body) == "0123456789X"[(12 - p) % 11]


@pytest.mark.parametrize("body", ["", "1234x", "１２３", "12 3"])
def test_mod11_2_refuses_what_is_not_ascii_digits(body: str) -> None:
    with pytest.raises(ValueError, match="digits only"):
        mod11_2(body)


@pytest.mark.parametrize(
    ("body", "check"),
    [
        ("G123489654321", "Y"),  # ISO 7064 MOD 37-2 vectors as used by public implementations
        ("A999915000001", "M"),
        ("LMOSBYFCTRSSJCB3X6U9DUBLKNIH03FO6X963TGXYAHG", "*"),
        ("G7N286AL39FFQNU6BH8SMJB5VGMBCB6WPGMWJK800VU7K", "P"),
    ],
)
def test_mod37_2_vectors(body: str, check: str) -> None:
    assert mod37_2(body) == check


@pytest.mark.parametrize(
    "code",
    [
        "914403001922038216",  # enterprise (91), Shenzhen
        "91440300708461136T",
        "91330100799655058B",
        "91110108551385082Q",
        "91430100MA4LKN0Y3R",  # a newer "MA" organisation code, Changsha
        "12100000400000624D",  # public institution (12): a university, published on its invoices
        "1210000042500615X0",  # organisation code check character X
        "12440300455752807L",
    ],
)
def test_real_credit_codes_pass_both_checks(code: str) -> None:
    assert uscc_check_char(code[:17]) == code[17]
    assert org_code_check_char(code[8:16]) == code[16]


def test_the_example_of_the_brief_is_not_a_valid_credit_code() -> None:
    assert uscc_check_char("91110000100000589") != "B"


@pytest.mark.parametrize(
    ("function", "value"),
    [
        (mod11_2, "12A4"),
        (mod11_2, "１２３"),  # full-width digits are not ASCII digits
        (mod37_2, "abc"),
        (uscc_check_char, "9111000010000058"),
        (uscc_check_char, "91110000100000I89"),
        (org_code_check_char, "1000005"),
        (org_code_check_char, "10000-58"),
    ],
)
def test_characters_outside_the_alphabet_are_a_value_error(function: object, value: str) -> None:
    assert callable(function)
    with pytest.raises(ValueError):
        function(value)
