"""Bitstring Status List v1.0: positions, bit order, encoding, limits, entries and the list credential."""

from __future__ import annotations

import base64
import gzip
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.credentials.errors import StatusListError
from registry.credentials.jcs import JsonObject
from registry.credentials.status_list import (
    LIST_SIZE,
    MAX_LIST_BYTES,
    Bitstring,
    StatusPosition,
    build_status_list_credential,
    read_status,
    status_entry,
    status_list_url,
    status_position,
    status_scope,
)
from tests.unit.credentials.world import PROVINCE, PUBLIC_URL


@pytest.mark.parametrize(
    ("value", "list_number", "index"),
    [(1, 1, 0), (2, 1, 1), (131_072, 1, 131_071), (131_073, 2, 0), (3 * 131_072 + 7, 4, 6)],
)
def test_sequence_values_map_to_stable_positions(value: int, list_number: int, index: int) -> None:
    assert status_position(value) == StatusPosition(list_number=list_number, index=index)


def test_positions_come_from_a_per_authority_sequence_scope() -> None:
    assert status_scope(PROVINCE) == "status:430000"
    with pytest.raises(ValueError, match="start at 1"):
        status_position(0)


def test_index_zero_is_the_left_most_bit() -> None:
    bits = Bitstring.with_set([0, 9])
    raw = gzip.decompress(base64.urlsafe_b64decode(bits.encode()[1:] + "=="))
    assert len(raw) == LIST_SIZE // 8 == 16_384  # the minimum: 131,072 entries
    assert raw[:2] == bytes([0b1000_0000, 0b0100_0000])


def test_encoding_is_deterministic_multibase_u_without_padding() -> None:
    encoded = Bitstring.with_set([5, 77]).encode()
    assert encoded == Bitstring.with_set([77, 5]).encode()
    assert encoded.startswith("u")
    assert "=" not in encoded


# reading back all 131,072 bits takes ~0.1 s: on a loaded machine that is past the default deadline
@settings(deadline=None)
@given(st.sets(st.integers(min_value=0, max_value=LIST_SIZE - 1), max_size=40))
def test_decode_is_the_inverse_of_encode(indices: set[int]) -> None:
    decoded = Bitstring.decode(Bitstring.with_set(indices).encode())
    assert len(decoded) == LIST_SIZE
    assert {index for index in range(LIST_SIZE) if decoded.get(index)} == indices


def _u(raw: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "encoded",
    [
        _u(gzip.compress(bytes(1000))),  # shorter than 131,072 bits
        _u(b"not gzip at all"),
        _u(gzip.compress(bytes(16_384))[:-9]),  # truncated
        _u(gzip.compress(bytes(MAX_LIST_BYTES + 8))),  # a decompression bomb
        "x" + _u(gzip.compress(bytes(16_384)))[1:],  # not multibase base64url
        "u" + "A" * (4 * 1024 * 1024 + 1),
    ],
    ids=["too-short", "not-gzip", "truncated", "bomb", "wrong-multibase", "too-long"],
)
def test_bad_encoded_lists_are_refused(encoded: str) -> None:
    with pytest.raises(StatusListError):
        Bitstring.decode(encoded)


def test_an_index_out_of_range_is_a_range_error() -> None:
    with pytest.raises(StatusListError):
        Bitstring().get(LIST_SIZE)
    with pytest.raises(IndexError):
        Bitstring().set(-1)


def test_the_entry_a_credential_carries() -> None:
    assert status_entry(PUBLIC_URL, PROVINCE, StatusPosition(list_number=2, index=41)) == {
        "id": "https://zs.example.cn/v1/status/430000/2#41",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "41",
        "statusListCredential": "https://zs.example.cn/v1/status/430000/2",
    }


def _list(set_indices: list[int]) -> JsonObject:
    return build_status_list_credential(
        public_url=PUBLIC_URL,
        authority_code=PROVINCE,
        list_number=1,
        set_indices=set_indices,
        valid_from=datetime(2026, 3, 2, 1, 0, tzinfo=UTC),
    )


def test_status_list_credential_shape() -> None:
    credential = _list([4])
    assert credential["id"] == status_list_url(PUBLIC_URL, PROVINCE, 1)
    assert credential["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert credential["issuer"] == "did:web:zs.example.cn:authorities:430000"
    assert credential["validFrom"] == "2026-03-02T01:00:00Z"
    subject = credential["credentialSubject"]
    assert isinstance(subject, dict)
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == "revocation"
    assert subject["id"] == "https://zs.example.cn/v1/status/430000/1#list"


def test_read_status_of_a_set_and_an_unset_bit() -> None:
    credential = _list([4])
    revoked = status_entry(PUBLIC_URL, PROVINCE, status_position(5))
    valid = status_entry(PUBLIC_URL, PROVINCE, status_position(6))
    assert read_status(revoked, credential) is True
    assert read_status(valid, credential) is False


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("type", "StatusList2021Entry"),
        ("statusPurpose", "suspension"),
        ("statusListCredential", "https://zs.example.cn/v1/status/430000/2"),
        ("statusListIndex", "-1"),
        ("statusListIndex", "1" * 40),
        ("statusListIndex", "131072"),
        ("statusListIndex", 4),
    ],
)
def test_an_entry_that_does_not_fit_the_list_is_refused(field: str, value: object) -> None:
    entry = status_entry(PUBLIC_URL, PROVINCE, status_position(5))
    entry[field] = value  # type: ignore[assignment]
    with pytest.raises(StatusListError):
        read_status(entry, _list([4]))
