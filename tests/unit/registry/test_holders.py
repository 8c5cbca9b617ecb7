"""Holder names compare after one normalisation; ID numbers are kept only as keyed digests."""

from __future__ import annotations

import unicodedata

import pytest

from registry.holders import id_digest, names_match, normalise_name


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("张三", "张三"),
        (" 张三 ", "张三"),
        ("张\u3000三", "张三"),
        ("张 三", "张三"),
        ("阿依古丽•买买提", "阿依古丽·买买提"),
        ("  John   SMITH ", "John SMITH"),
        ("e\u0301", "\u00e9"),  # NFC
        ("\u3000\u3000", ""),
    ],
)
def test_normalise_name(raw: str, expected: str) -> None:
    assert normalise_name(raw) == expected


def test_names_match_ignores_spacing_only() -> None:
    assert names_match("张　三", "张三")
    assert not names_match("张四", "张三")
    assert not names_match("", "张三")


def test_id_digest_is_keyed() -> None:
    a = id_digest(b"k" * 16, "430102199003071234")
    assert a == id_digest(b"k" * 16, "430102199003071234")
    assert a != id_digest(b"j" * 16, "430102199003071234")
    assert len(a) == 32


#: One character of every block of Han characters (and the marks used in names), each typed between two
#: common characters with spaces around it: the spaces go, as they do around "三" (issue 10, item 5).
RARE = {
    "CJK Radicals Supplement": "\u2e8c",
    "Kangxi Radicals": "\u2f08",
    "ideographic zero": "\u3007",
    "CJK Strokes": "\u31c0",
    "Extension A": "\u3400",
    "Extension B": "\U0002003e",  # 𠀾
    "Extension C": "\U0002a700",
    "Extension D": "\U0002b740",
    "Extension E": "\U0002b820",
    "Extension F": "\U0002ceb0",
    "Extension I": "\U0002ebf0",
    "Extension G": "\U00030000",
    "Extension H": "\U00031350",
    "Extension H, last": "\U000323af",
}


@pytest.mark.parametrize("block", sorted(RARE))
def test_spaces_beside_a_rare_character_are_dropped_as_beside_a_common_one(block: str) -> None:
    char = RARE[block]
    kept = unicodedata.normalize("NFKC", char)  # a Kangxi radical is kept as its ideograph: ⼈ (U+2F08) is 人
    assert normalise_name(f"王 {char} 华") == f"王{kept}华"
    assert names_match(f"王　{char}　华", f"王{char}华")
    assert names_match(f"王{char}华", f"王{kept}华")


def test_compatibility_ideographs_match_their_unified_form() -> None:
    """NFC maps a compatibility ideograph (U+F900–FAFF, U+2F800–2FA1F) to its unified character."""
    assert normalise_name("\uf900 三") == "\u8c48三"
    assert normalise_name("张 \U0002f800") == "张\u4e3d"


def test_a_latin_part_beside_a_han_character_keeps_one_space() -> None:
    assert normalise_name("王 \U0002003e  Li") == "王\U0002003e Li"


def test_full_width_letters_and_dots_are_read_as_typed_in_ascii() -> None:
    """A Chinese IME in full-width mode: ＭＡＲＹ　ＳＭＩＴＨ is MARY SMITH (NFKC); the full-width and the
    half-width middle dot of a minority name are still its ``·``, not an ASCII full stop."""
    assert normalise_name("ＭＡＲＹ\u3000ＳＭＩＴＨ") == "MARY SMITH"
    assert names_match("ＭＡＲＹ ＳＭＩＴＨ", "MARY SMITH")
    assert normalise_name("买买提．艾力") == "买买提·艾力"
    assert normalise_name("买买提･艾力") == "买买提·艾力"


@pytest.mark.parametrize(
    "typed",
    [
        "买买提\u2027艾力",  # ‧ the middle dot of Big5 fonts and Taiwanese input methods
        "买买提\u2219艾力",  # ∙ Word's symbol table
        "买买提\u22c5艾力",  # ⋅
        "买买提.艾力",  # a clerk without a · key: an ASCII full stop between two Han characters
        "买买提 . 艾力",
    ],
)
def test_every_dot_typed_between_the_parts_of_a_minority_name_is_its_middle_dot(typed: str) -> None:
    """The upload refused the first three (``name.characters``), and kept the full stop: a certificate
    printed 买买提.艾力, and the holder's 买买提·艾力 in the public query did not match it."""
    assert normalise_name(typed) == "买买提·艾力"
    assert names_match(typed, "买买提·艾力")


def test_a_full_stop_in_a_latin_name_stays() -> None:
    assert normalise_name("J. SMITH") == "J. SMITH"
    assert normalise_name("王.J") == "王.J"
