"""RFC 8785 canonical JSON: the RFC's own examples, then property tests against the ``rfc8785`` package."""

from __future__ import annotations

import math
import struct

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.credentials.errors import CanonicalizationError, MalformedCredentialError
from registry.credentials.jcs import MAX_SAFE_INTEGER, canonicalize, format_number, parse

# RFC 8785 Appendix B, "Number Serialization Samples": IEEE 754 bits (hex) -> expected text.
RFC8785_NUMBERS = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


@pytest.mark.parametrize(("bits", "expected"), RFC8785_NUMBERS)
def test_rfc8785_appendix_b_numbers(bits: str, expected: str) -> None:
    value = struct.unpack(">d", bytes.fromhex(bits))[0]
    assert format_number(value) == expected
    assert canonicalize([value]) == f"[{expected}]".encode()


@pytest.mark.parametrize("bits", ["7fffffffffffffff", "7ff0000000000000", "fff0000000000000"])
def test_rfc8785_appendix_b_nan_and_infinity_are_refused(bits: str) -> None:
    with pytest.raises(CanonicalizationError):
        canonicalize(struct.unpack(">d", bytes.fromhex(bits))[0])


def test_rfc8785_section_3_2_2_example() -> None:
    """RFC 8785 §3.2.2 (and Appendix A's input): numbers, string escapes and literals."""
    source = (
        '{\n  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],\n'
        '  "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",\n'
        '  "literals": [null, true, false]\n}'
    )
    expected = (
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )
    assert canonicalize(parse(source)) == expected.encode()


def test_rfc8785_section_3_2_3_sorting_by_utf16_code_units() -> None:
    """RFC 8785 §3.2.3: the emoji (a surrogate pair, D83D DE00) sorts before U+FB33."""
    source = (
        '{"\\u20ac": "Euro Sign", "\\r": "Carriage Return", "\\ufb33": "Hebrew Letter Dalet With Dagesh",'
        ' "1": "One", "\\ud83d\\ude00": "Emoji: Grinning Face", "\\u0080": "Control",'
        ' "\\u00f6": "Latin Small Letter O With Diaeresis"}'
    )
    names = list(parse(canonicalize(parse(source))))  # type: ignore[arg-type]
    assert names == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


def test_string_escapes_are_exactly_the_rfc_ones() -> None:
    text = "".join(chr(code) for code in range(0x21)) + '"\\/\u007f\u2028é中'
    expected = (
        '"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f'
        "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c"
        '\\u001d\\u001e\\u001f \\"\\\\/\u007f\u2028é中"'
    )
    assert canonicalize(text) == expected.encode()


def test_large_integers_are_read_as_the_double_they_denote() -> None:
    """JSON numbers are doubles: 2**53 + 1 cannot be held, so it reads (and canonicalises) as 2**53."""
    assert (
        canonicalize(parse("[9007199254740993, 9007199254740991, 1E2]")) == b"[9007199254740992,9007199254740991,100]"
    )


@pytest.mark.parametrize(
    "value",
    [MAX_SAFE_INTEGER + 1, -(MAX_SAFE_INTEGER + 1), math.nan, "\ud800", {"\udfff": 1}, {1: "a"}, b"x", {1.5}],
    ids=["int-too-big", "int-too-small", "nan", "lone-surrogate", "surrogate-key", "int-key", "bytes", "set"],
)
def test_values_without_a_canonical_form_are_refused(value: object) -> None:
    with pytest.raises(CanonicalizationError):
        canonicalize(value)


@pytest.mark.parametrize(
    "text",
    ['{"a": 1, "a": 2}', "NaN", '{"x": Infinity}', "[1,", b"\xff\xfe", "[" * 100_000, "1e400", "9" * 5000],
    ids=["duplicate-member", "nan", "infinity", "truncated", "not-utf8", "too-deep", "overflow", "huge-int"],
)
def test_strict_parse_refuses_what_json_does_not_allow(text: str | bytes) -> None:
    with pytest.raises(MalformedCredentialError):
        parse(text.encode() if isinstance(text, str) else text)


# --- property tests against an independent implementation (the rfc8785 package from PyPI) ---

_json_numbers = st.one_of(
    st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER),
    st.floats(allow_nan=False, allow_infinity=False),
)
_json_scalars = st.one_of(st.none(), st.booleans(), _json_numbers, st.text(st.characters(exclude_categories=["Cs"])))
_json_values = st.recursive(
    _json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=6),
        st.dictionaries(st.text(st.characters(exclude_categories=["Cs"]), max_size=8), children, max_size=6),
    ),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(_json_values)
def test_matches_the_rfc8785_package(value: object) -> None:
    assert canonicalize(value) == rfc8785.dumps(value)  # type: ignore[arg-type]


@settings(max_examples=400, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_numbers_match_the_rfc8785_package_and_round_trip(number: float) -> None:
    text = format_number(number)
    assert text.encode() == rfc8785.dumps(number)
    assert float(text) == number


@settings(max_examples=200, deadline=None)
@given(_json_values)
def test_canonical_form_is_a_fixed_point(value: object) -> None:
    once = canonicalize(value)
    assert canonicalize(parse(once)) == once
