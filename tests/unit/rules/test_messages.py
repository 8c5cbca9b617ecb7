"""The violation catalogue: every code has both languages, and every code the rules emit is catalogued."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import registry.rules
from registry.rules.errors import RuleError, Violation
from registry.rules.messages import MESSAGES, violation

SOURCE = Path(registry.rules.__file__).parent
_CJK = re.compile(r"[\u4e00-\u9fff]")
_EMITTED = re.compile(r'violation\(\s*"([a-z_]+\.[a-z_]+)"')
_STATUS_CODES = re.compile(r'"(filing\.[a-z_]+)"')


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_code_has_a_chinese_and_an_english_text(code: str) -> None:
    zh, en = MESSAGES[code]
    assert _CJK.search(zh), f"{code}: the Chinese text has no Chinese"
    assert en.isascii(), f"{code}: the English text is not plain English"
    assert re.fullmatch(r"[a-z]+\.[a-z_]+", code)
    # Both texts take the same parameters; a language-specific one is called name_zh / name_en.
    zh_names = {name.replace("_zh", "_en") for name in re.findall(r"{(\w+)", zh)}
    assert zh_names == set(re.findall(r"{(\w+)", en)), code


def test_every_emitted_code_is_catalogued() -> None:
    emitted: set[str] = set()
    for path in SOURCE.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        emitted |= set(_EMITTED.findall(text))
        emitted |= set(_STATUS_CODES.findall(text))
    assert emitted, "the scan found the violation calls"
    assert emitted <= set(MESSAGES)


def test_violation_fills_both_texts() -> None:
    found = violation("level.range", rule="1", field="level", value=7)
    assert found == Violation(
        code="level.range",
        message_zh="等级7无效，应为1至5级",
        message_en="Level 7 is invalid; levels are 1 to 5",
        rule="1",
        field="level",
    )
    error = RuleError(found)
    assert error.code == "level.range"
    assert str(error) == "level.range: 等级7无效，应为1至5级 / Level 7 is invalid; levels are 1 to 5"


def test_unknown_codes_are_a_programming_error() -> None:
    with pytest.raises(KeyError):
        violation("no.such_code")


def test_a_quoted_value_shows_its_invisible_characters_and_is_cut() -> None:
    """A number typed as NUL + right-to-left override + "abc" was echoed raw: on a page the override turned the
    rest of the message around; a 5,000-character value was quoted whole."""
    odd = violation("number.length", value="\x00\u202eabc", expected="16/20/22")
    assert "<U+0000><U+202E>abc" in odd.message_zh
    assert "<U+0000><U+202E>abc" in odd.message_en
    assert not any(c in odd.message_zh + odd.message_en for c in "\x00\u202e")
    long = violation("number.length", value="1" * 5000, expected="16/20/22")
    assert "1" * 200 + "…" in long.message_en
    assert "1" * 201 not in long.message_en
