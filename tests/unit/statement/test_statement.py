"""Statement v1: golden bytes, strict decoding, signing with domain separation, verification."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import msgspec
import pytest

from keys.errors import BadSignatureError, KeyNotValidAtDateError, UnknownKeyError
from registry.errors import RegistryError
from registry.statement import (
    DOMAIN,
    MAX_DAY,
    MAX_STATEMENT_BYTES,
    MalformedStatementError,
    NonCanonicalStatementError,
    StatementError,
    StatementFieldError,
    UnsupportedVersionError,
    days_since_epoch,
    decode_statement,
    encode_statement,
    sign_statement,
    statement_hash,
    verify_statement,
)
from registry.vocab import CertificateKind
from tests.unit.statement.world import ISSUED, KEY, KEYSET, OTHER_KEY, signed, typical


def _str(text: str) -> bytes:
    """A MessagePack fixstr (all strings of the typical record are shorter than 32 bytes)."""
    raw = text.encode()
    return bytes([0xA0 | len(raw)]) + raw


# The typical statement, written out by hand from the MessagePack spec: the v1 wire format, pinned.
GOLDEN = b"".join(
    [
        b"\x9b",  # fixarray of 11 fields
        b"\x01",  # version 1
        _str("S000043000123253000011"),
        b"\x02",  # kind: skill level certificate
        _str("张三丰"),  # 9 UTF-8 bytes
        _str("430102********1234"),
        _str("6-31-01-03"),
        b"\x04",  # level 4
        _str("S000043000123"),
        _str("430000"),
        b"\xcd\x4f\x2d",  # uint16 20269 = 2025-06-30
        _str(KEY.kid),
    ]
)


def test_golden_bytes() -> None:
    assert encode_statement(typical()) == GOLDEN
    assert GOLDEN.hex().startswith("9b01b6533030303034333030303132333235")
    assert decode_statement(GOLDEN) == typical()


def test_helpers() -> None:
    st = typical()
    assert st.issued_date == ISSUED
    assert days_since_epoch(date(1970, 1, 2)) == 1
    assert st.certificate_kind is CertificateKind.SKILL_LEVEL
    assert statement_hash(GOLDEN) == hashlib.sha256(GOLDEN).digest()
    assert issubclass(StatementError, RegistryError)


def test_largest_valid_statement_is_max_statement_bytes() -> None:
    largest = typical(
        number="N" * 32,
        holder_name="\U00020000" * 64,  # 4-byte UTF-8 characters
        holder_id_masked="*" * 20,
        subject_code="X" * 32,
        level=5,
        institution_code="Y" * 32,
        authority_code="Z" * 16,
        issued_on=MAX_DAY,
    )
    assert len(encode_statement(largest)) == MAX_STATEMENT_BYTES


def _raw(*fields: Any) -> bytes:
    return msgspec.msgpack.encode(list(fields))


def _fields(**changes: Any) -> list[Any]:
    return list(msgspec.structs.astuple(msgspec.structs.replace(typical(), **changes)))


@pytest.mark.parametrize("version", [0, 2, 255])
def test_unknown_version_whatever_its_layout(version: int) -> None:
    for data in (_raw(*_fields(version=version)), _raw(version, "other", "layout")):
        with pytest.raises(UnsupportedVersionError):
            decode_statement(data)


@pytest.mark.parametrize(
    "data",
    [
        GOLDEN[:-1],  # truncated
        GOLDEN[:50],
        b"",
        GOLDEN + b"\x00",  # trailing bytes
        GOLDEN + GOLDEN,
        b"\xc1",  # never-used MessagePack byte
        b"\x00" * (MAX_STATEMENT_BYTES + 1),  # over the size bound, refused before decoding
    ],
)
def test_malformed_bytes(data: bytes) -> None:
    with pytest.raises(MalformedStatementError):
        decode_statement(data)


@pytest.mark.parametrize(
    "data",
    [
        _raw(*_fields()[:10]),  # too few fields
        _raw(*_fields(), "extra"),  # too many fields
        _raw(*_fields(level="4")),  # wrong types
        _raw(*_fields(level=True)),
        _raw(*_fields(issued_on=20269.0)),
        _raw(*_fields(number=12345)),
        _raw(*_fields(kid=b"bytes-kid!!")),
        msgspec.msgpack.encode(dict(enumerate(_fields()))),  # a map, not an array
    ],
)
def test_wrong_shape_or_types(data: bytes) -> None:
    with pytest.raises(StatementFieldError):
        decode_statement(data)


@pytest.mark.parametrize(
    "changes",
    [
        {"number": "N" * 33},
        {"number": ""},
        {"number": "S0000/1"},  # not URL-safe
        {"holder_name": "名" * 65},
        {"holder_name": ""},
        {"holder_name": "张\n三"},  # control character
        {"holder_id_masked": "4" * 21},
        {"holder_id_masked": "4301 02"},
        {"subject_code": "6" * 33},
        {"subject_code": "6 31"},
        {"institution_code": "I" * 33},
        {"authority_code": "4" * 17},
        {"authority_code": "43-00"},
        {"kid": KEY.kid[:10]},
        {"kid": KEY.kid + "A"},
        {"kid": "+" * 11},
        {"kind": 0},
        {"kind": 4},
        {"level": -1},
        {"level": 6},
        {"issued_on": -1},
        {"issued_on": MAX_DAY + 1},
    ],
)
def test_field_bounds(changes: dict[str, Any]) -> None:
    with pytest.raises(StatementFieldError):
        decode_statement(_raw(*_fields(**changes)))
    with pytest.raises(StatementFieldError):  # and an issuer cannot sign it either
        encode_statement(typical(**changes))


def test_non_canonical_encoding_is_refused() -> None:
    # version 1 as uint8 (0xcc 0x01) instead of the positive fixint 0x01: same value, other bytes
    with pytest.raises(NonCanonicalStatementError):
        decode_statement(b"\x9b\xcc\x01" + GOLDEN[2:])
    # the 22-character number as str8 (0xd9 0x16) instead of fixstr
    with pytest.raises(NonCanonicalStatementError):
        decode_statement(b"\x9b\x01\xd9\x16" + GOLDEN[3:])


def test_non_bytes_input() -> None:
    with pytest.raises(MalformedStatementError):
        decode_statement(GOLDEN.hex())  # type: ignore[arg-type]


def test_sign_and_verify() -> None:
    data, signature = signed()
    assert verify_statement(data, signature, KEYSET) == typical()
    assert signature == KEY.sign(DOMAIN + data)


def test_signature_covers_the_domain_prefix() -> None:
    data = encode_statement(typical())
    with pytest.raises(BadSignatureError):
        verify_statement(data, KEY.sign(data), KEYSET)


def test_sign_refuses_a_statement_naming_another_key() -> None:
    with pytest.raises(StatementFieldError):
        sign_statement(typical(), OTHER_KEY)


def test_verify_uses_the_statement_kid_and_date() -> None:
    data, signature = signed(typical(kid=OTHER_KEY.kid), OTHER_KEY)
    with pytest.raises(UnknownKeyError):
        verify_statement(data, signature, KEYSET)
    data, signature = signed(typical(issued_on=days_since_epoch(date(2023, 12, 31))))
    with pytest.raises(KeyNotValidAtDateError):
        verify_statement(data, signature, KEYSET)


def test_verify_checks_the_exact_bytes_never_a_re_encoding() -> None:
    data, signature = signed()
    with pytest.raises(StatementError):  # a re-encoded variant is refused, not silently normalised
        verify_statement(b"\x9b\xcc\x01" + data[2:], signature, KEYSET)
