"""Multibase and Multikey: the multibase draft's "yes mani !" examples, Bitcoin base58, strict decoding."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.credentials.errors import MalformedCredentialError
from registry.credentials.multibase import (
    base58btc_decode,
    base58btc_encode,
    decode_ed25519_multikey,
    decode_multibase_base58btc,
    decode_multibase_base64url,
    ed25519_multikey,
    multibase_base58btc,
    multibase_base64url,
)


def test_multibase_draft_examples() -> None:
    """draft-multiformats-multibase, test vectors for the input "yes mani !"."""
    assert multibase_base58btc(b"yes mani !") == "z7paNL19xttacUY"
    assert multibase_base64url(b"yes mani !") == "ueWVzIG1hbmkgIQ"


def test_bitcoin_base58_examples_and_leading_zeros() -> None:
    assert base58btc_encode(b"Hello World!") == "2NEpo7TZRRrLZSi2U"
    assert base58btc_encode(b"\0\0\x01") == "112"
    assert base58btc_decode("112") == b"\0\0\x01"
    assert base58btc_encode(b"") == ""


@given(st.binary(max_size=80))
def test_round_trips(data: bytes) -> None:
    assert decode_multibase_base58btc(multibase_base58btc(data), field="x") == data
    assert decode_multibase_base64url(multibase_base64url(data), field="x") == data


@pytest.mark.parametrize("text", ["7paNL19xttacUY", "z0OIl", "z" + "2" * 300, "", 5])
def test_bad_base58btc_multibase_is_refused(text: str) -> None:
    with pytest.raises(MalformedCredentialError):
        decode_multibase_base58btc(text, field="proofValue")


@pytest.mark.parametrize("text", ["eWVzIG1hbmkgIQ", "ueWVzIG1hbmkgIQ==", "ueWVz+G1hbmkgIQ", "ueWVzIG1hbmkgIR", "uA"])
def test_bad_base64url_multibase_is_refused(text: str) -> None:
    with pytest.raises(MalformedCredentialError):
        decode_multibase_base64url(text, field="encodedList")


def test_ed25519_multikey_round_trip_and_header() -> None:
    key = bytes(range(32))
    text = ed25519_multikey(key)
    assert text.startswith("z6Mk")  # every Ed25519 Multikey starts so: the 0xed01 header
    assert decode_ed25519_multikey(text) == key


@pytest.mark.parametrize(
    "payload",
    [b"\x80\x26" + bytes(32), b"\xed\x01" + bytes(31), b"\xec\x01" + bytes(32)],
    ids=["secret-key-header", "short", "x25519"],
)
def test_a_multikey_that_is_not_an_ed25519_public_key_is_refused(payload: bytes) -> None:
    with pytest.raises(MalformedCredentialError):
        decode_ed25519_multikey(multibase_base58btc(payload))
