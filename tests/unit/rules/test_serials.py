"""Print serials (NUMBERING.md "Print serial and reissue"): the shape the profile gives, the counter they come
from, and what an operator may give for a blank of pre-printed stock."""

from __future__ import annotations

import msgspec
import pytest

from registry.rules.errors import RuleError
from registry.rules.profiles import HUNAN, SICHUAN
from registry.rules.serials import PrintSerialRule, check_given_serial

RULE = PrintSerialRule()


def test_the_shipped_shape_is_region_year_and_an_eight_digit_sequence() -> None:
    assert RULE.format(region_code="430100", year=2026, sequence=7) == "430100202600000007"
    assert RULE.length == 18
    assert RULE.scope("430100", 2026) == "print|authority=430100|year=2026"
    assert HUNAN.print_serial == SICHUAN.print_serial == RULE


def test_a_province_reshapes_it_as_data() -> None:
    rule = msgspec.json.decode(b'{"prefix": "HN", "region": 4, "year": 0, "sequence": 10}', type=PrintSerialRule)
    assert rule.format(region_code="430100", year=2026, sequence=42) == "HN43010000000042"
    assert rule.scope("430100", 2026) == "print|authority=430100"  # no year shown: one counter for ever


@pytest.mark.parametrize(
    "fields",
    [{"prefix": "hn"}, {"sequence": 0}, {"sequence": 13}, {"prefix": "X" * 20}, {"given_pattern": "["}],
)
def test_a_malformed_rule_is_refused(fields: dict[str, object]) -> None:
    with pytest.raises((ValueError, msgspec.ValidationError)):
        msgspec.json.decode(msgspec.json.encode(fields), type=PrintSerialRule)


def test_a_sequence_past_the_width_is_refused() -> None:
    with pytest.raises(RuleError) as info:
        PrintSerialRule(sequence=2).format(region_code="430100", year=2026, sequence=100)
    assert info.value.code == "serial.overflow"


@pytest.mark.parametrize(
    "rule", [RULE, PrintSerialRule(prefix="HN", region=4, year=0, sequence=10), PrintSerialRule(region=0, year=2)]
)
def test_a_block_of_serials_is_each_one_formatted(rule: PrintSerialRule) -> None:
    block = range(rule.max_sequence - 3, rule.max_sequence + 1)
    assert rule.format_all(region_code="430100", year=2026, sequences=block) == [
        rule.format(region_code="430100", year=2026, sequence=s) for s in block
    ]
    assert rule.format_all(region_code="430100", year=2026, sequences=[1, 10, 100]) == [
        rule.format(region_code="430100", year=2026, sequence=s) for s in (1, 10, 100)
    ]
    for past in ([0, 1], [rule.max_sequence, rule.max_sequence + 1]):
        with pytest.raises(RuleError) as info:
            rule.format_all(region_code="430100", year=2026, sequences=past)
        assert info.value.code == "serial.overflow"


def test_a_given_serial_is_normalised_and_checked() -> None:
    assert check_given_serial(RULE, " hn 0012345 ") == "HN0012345"
    assert check_given_serial(RULE, "Ｎｏ１２３４５") == "NO12345"  # full-width, as typed on a Chinese keyboard
    for bad, code in (("HN-1", "serial.format"), ("ab", "serial.format"), ("430100202600000099", "serial.reserved")):
        with pytest.raises(RuleError) as info:
            check_given_serial(RULE, bad)
        assert info.value.code == code
        assert info.value.violation.message_zh
        assert info.value.violation.message_en
