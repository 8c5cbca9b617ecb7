"""Key ids and the strict base64url of raw keys."""

from __future__ import annotations

import base64
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keys.errors import InvalidKeyError
from keys.kid import b64url_decode, b64url_encode, is_kid, key_id

RFC8032_TEST1_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")


def test_key_id_is_base64url_of_the_first_8_bytes_of_sha256() -> None:
    expected = base64.urlsafe_b64encode(hashlib.sha256(RFC8032_TEST1_PUBLIC).digest()[:8]).rstrip(b"=")
    assert key_id(RFC8032_TEST1_PUBLIC) == expected.decode()
    assert key_id(RFC8032_TEST1_PUBLIC) == "If4x36FUomE"  # pinned: the kid of RFC 8032 test 1's key
    assert is_kid(key_id(RFC8032_TEST1_PUBLIC))


@pytest.mark.parametrize("bad", [b"", b"\x00" * 31, b"\x00" * 33, "d75a" * 16, bytearray(32)])
def test_key_id_refuses_anything_but_32_bytes(bad: object) -> None:
    with pytest.raises(InvalidKeyError):
        key_id(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["If4x36FUomE=", "If4x36FUom", "If4x36FUom+", "If4x36FUom/", 12345678901])
def test_is_kid_refuses_other_shapes(value: object) -> None:
    assert not is_kid(value)


@given(st.binary(max_size=80))
def test_b64url_round_trips(data: bytes) -> None:
    assert b64url_decode(b64url_encode(data)) == data


@pytest.mark.parametrize(
    "text",
    [
        "AQ==",  # padding
        "A+8",  # standard alphabet, not url-safe
        "A/8",
        "AQE A",  # white space
        "A",  # impossible length (4n + 1)
        "AR",  # non-zero trailing bits: decodes like "AQ" in Python's lenient decoder
    ],
)
def test_b64url_decode_is_strict(text: str) -> None:
    with pytest.raises(ValueError):
        b64url_decode(text)
