"""Holder names compare after one normalisation; ID numbers are kept only as keyed digests."""

from __future__ import annotations

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
