"""The public key set: JSON form, invariants, and verification order with typed errors."""

from __future__ import annotations

from datetime import UTC, date, datetime

import msgspec
import pytest

from keys.errors import (
    BadSignatureError,
    KeyCompromisedError,
    KeyNotValidAtDateError,
    KeySetError,
    MalformedInputError,
    SignatureVerificationError,
    UnknownKeyError,
    WrongAuthorityError,
    WrongKeyPurposeError,
)
from keys.keyset import KeySet, KeyStatus, PublicKeyInfo, compromise, retire
from tests.unit.keys.factory import KEY_A, KEY_B, KEY_LOG, T0, make_info

MSG = b"certreg:v1:statement"
SIG_A = KEY_A.sign(MSG)
RETIRED_AT = datetime(2024, 6, 30, 20, 0, tzinfo=UTC)  # 2024-07-01 04:00 in UTC+8
COMPROMISED_AT = datetime(2024, 3, 15, 10, 0, tzinfo=UTC)


def keyset_of(*infos: object) -> KeySet:
    return KeySet(keys=tuple(infos))  # type: ignore[arg-type]


def check(
    keyset: KeySet, signed_on: date, *, kid: str = KEY_A.kid, signature: bytes = SIG_A, authority: str = "430000"
) -> None:
    keyset.verify(kid=kid, message=MSG, signature=signature, signed_on=signed_on, authority=authority)


def test_json_round_trip_is_exact_and_deterministic() -> None:
    keyset = keyset_of(retire(make_info(KEY_A), RETIRED_AT), make_info(KEY_B), make_info(KEY_LOG, purpose="log"))
    data = keyset.to_json()
    assert KeySet.from_json(data) == keyset
    assert KeySet.from_json(data).to_json() == data
    assert b'"status":"retired"' in data


def test_a_new_key_s_description_is_the_active_ed25519_key_of_its_public_bytes() -> None:
    info = PublicKeyInfo.new(KEY_A.public_key, authority="430000", purpose="statement", valid_from=T0)
    assert info == make_info(KEY_A)
    assert (info.kid, info.status) == (KEY_A.kid, KeyStatus.ACTIVE)


def test_unknown_fields_are_ignored_for_forward_compatibility() -> None:
    raw = msgspec.json.decode(keyset_of(make_info(KEY_A)).to_json())
    raw["keys"][0]["comment"] = "added by a later version"
    raw["generated_at"] = "2030-01-01T00:00:00Z"
    assert KeySet.from_json(msgspec.json.encode(raw)).keys[0].kid == KEY_A.kid


@pytest.mark.parametrize(
    "data",
    [b"", b"{", b"[]", b'{"keys": 3}', b"\xff\xfe", b'{"keys": [{"kid": 1}]}', b'{"keys": "\xff"}'],
)
def test_bad_json_is_a_clear_key_set_error(data: bytes) -> None:
    with pytest.raises(KeySetError, match="密钥集"):
        KeySet.from_json(data)


def _raw_key(**changes: object) -> bytes:
    raw = msgspec.json.decode(keyset_of(make_info(KEY_A)).to_json())
    raw["keys"][0].update(changes)
    return msgspec.json.encode(raw)


@pytest.mark.parametrize(
    "changes",
    [
        {"kid": KEY_B.kid},  # kid of another key
        {"public_key": "AAAA"},  # not 32 bytes
        {"public_key": "not base64!"},
        {"valid_from": "2024-01-01T00:00:00"},  # naive time
        {"status": "retired"},  # retired without valid_to
        {"status": "compromised"},  # compromised without a time
        {"compromised_at": "2024-02-01T00:00:00Z"},  # time without scope (and active)
        {"valid_to": "2023-01-01T00:00:00Z", "status": "retired"},  # window upside down
        {"algorithm": "RSA"},
        {"purpose": "tls"},
    ],
)
def test_invalid_key_entries_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(KeySetError):
        KeySet.from_json(_raw_key(**changes))


def test_naive_datetime_refused_on_construction() -> None:
    with pytest.raises(KeySetError):
        make_info(KEY_A, valid_from=datetime(2024, 1, 1))


def test_duplicate_kid_and_two_active_signers_are_refused() -> None:
    with pytest.raises(KeySetError, match="duplicate"):
        keyset_of(make_info(KEY_A), retire(make_info(KEY_A), RETIRED_AT))
    with pytest.raises(KeySetError, match="two active"):
        keyset_of(make_info(KEY_A), make_info(KEY_B))
    keyset_of(make_info(KEY_A), make_info(KEY_B, authority="430100"))  # other authority: fine


def test_get_and_active() -> None:
    keyset = keyset_of(retire(make_info(KEY_A), RETIRED_AT), make_info(KEY_B), make_info(KEY_LOG, purpose="log"))
    assert keyset.get(KEY_A.kid) is keyset.keys[0]
    assert keyset.get("AAAAAAAAAAA") is None
    assert keyset.active("430000") == keyset.keys[1]
    assert keyset.active("430000", "log") == keyset.keys[2]
    assert keyset.active("430100") is None


def test_a_valid_signature_verifies() -> None:
    check(keyset_of(make_info(KEY_A)), date(2024, 5, 1))


@pytest.mark.parametrize(
    ("kid", "signature", "signed_on"),
    [
        ("short", SIG_A, date(2024, 5, 1)),
        (KEY_A.kid + "=", SIG_A, date(2024, 5, 1)),
        (KEY_A.kid, SIG_A[:63], date(2024, 5, 1)),
        (KEY_A.kid, SIG_A + b"\x00", date(2024, 5, 1)),
        (KEY_A.kid, SIG_A, datetime(2024, 5, 1, tzinfo=UTC)),
        (KEY_A.kid, SIG_A, "2024-05-01"),
    ],
)
def test_malformed_input_comes_first(kid: str, signature: bytes, signed_on: object) -> None:
    with pytest.raises(MalformedInputError):
        keyset_of().verify(kid=kid, message=MSG, signature=signature, signed_on=signed_on, authority="430000")  # type: ignore[arg-type]


def test_message_must_be_bytes() -> None:
    with pytest.raises(MalformedInputError):
        keyset_of(make_info(KEY_A)).verify(
            kid=KEY_A.kid,
            message="text",  # type: ignore[arg-type]
            signature=SIG_A,
            signed_on=date(2024, 5, 1),
            authority="430000",
        )


def test_unknown_kid() -> None:
    with pytest.raises(UnknownKeyError):
        check(keyset_of(make_info(KEY_B)), date(2024, 5, 1))


def test_a_log_key_cannot_vouch_for_a_statement() -> None:
    keyset = keyset_of(make_info(KEY_LOG, purpose="log"))
    signature = KEY_LOG.sign(MSG)
    with pytest.raises(WrongKeyPurposeError):
        check(keyset, date(2024, 5, 1), kid=KEY_LOG.kid, signature=signature)
    keyset.verify(
        kid=KEY_LOG.kid, message=MSG, signature=signature, signed_on=date(2024, 5, 1), authority="430000", purpose="log"
    )


def test_a_key_of_one_authority_cannot_vouch_for_another() -> None:
    """A city's key (or its theft) must not sign for the province or another city (issue 10, item 2)."""
    keyset = keyset_of(make_info(KEY_A, authority="430200"))
    with pytest.raises(WrongAuthorityError) as raised:
        check(keyset, date(2024, 5, 1), authority="430000")
    assert raised.value.reason == "wrong_authority"
    assert "430200" in str(raised.value)
    check(keyset, date(2024, 5, 1), authority="430200")


def test_not_yet_valid_key() -> None:
    keyset = keyset_of(make_info(KEY_A))
    with pytest.raises(KeyNotValidAtDateError):
        check(keyset, date(2023, 12, 31))
    check(keyset, date(2024, 1, 1))  # valid_from's own day


def test_retired_key_verifies_up_to_its_last_day_in_utc8() -> None:
    keyset = keyset_of(retire(make_info(KEY_A), RETIRED_AT))
    check(keyset, date(2024, 7, 1))  # RETIRED_AT is 2024-07-01 in China, though 2024-06-30 in UTC
    with pytest.raises(KeyNotValidAtDateError):
        check(keyset, date(2024, 7, 2))


def test_compromised_after_t_rejects_from_the_day_of_t() -> None:
    keyset = keyset_of(compromise(make_info(KEY_A), COMPROMISED_AT, "after"))
    check(keyset, date(2024, 3, 14))
    for day in (date(2024, 3, 15), date(2024, 3, 16), date(2030, 1, 1)):
        with pytest.raises(KeyCompromisedError):
            check(keyset, day)


def test_compromised_all_rejects_everything() -> None:
    keyset = keyset_of(compromise(make_info(KEY_A), COMPROMISED_AT, "all"))
    with pytest.raises(KeyCompromisedError):
        check(keyset, date(2024, 1, 2))


def test_bad_signature_and_the_kid_is_only_a_hint() -> None:
    keyset = keyset_of(make_info(KEY_A), make_info(KEY_B, authority="430100"))
    with pytest.raises(BadSignatureError):
        check(keyset, date(2024, 5, 1), signature=bytes(64))
    with pytest.raises(BadSignatureError):  # signed by B but naming A
        check(keyset, date(2024, 5, 1), signature=KEY_B.sign(MSG))


def test_order_date_before_compromise_before_signature() -> None:
    retired_then_compromised = compromise(retire(make_info(KEY_A), RETIRED_AT), COMPROMISED_AT, "after")
    keyset = keyset_of(retired_then_compromised)
    assert keyset.keys[0].status is KeyStatus.COMPROMISED
    with pytest.raises(KeyNotValidAtDateError):  # both out of window and compromised: window first
        check(keyset, date(2024, 8, 1), signature=bytes(64))
    with pytest.raises(KeyCompromisedError):  # compromised and a bad signature: compromise first
        check(keyset, date(2024, 4, 1), signature=bytes(64))


def test_every_verification_error_shares_one_base_and_has_a_reason() -> None:
    reasons = set()
    for day, signature in (
        (date(2023, 1, 1), SIG_A),
        (date(2024, 4, 1), SIG_A),
        (date(2024, 2, 1), bytes(64)),
    ):
        with pytest.raises(SignatureVerificationError) as info:
            check(keyset_of(compromise(make_info(KEY_A), COMPROMISED_AT, "after")), day, signature=signature)
        reasons.add(info.value.reason)
    assert reasons == {"key_not_valid_at_date", "key_compromised", "bad_signature"}


def test_day_boundary_of_compromise_is_taken_in_utc8() -> None:
    at = datetime(2024, 1, 31, 17, 0, tzinfo=UTC)  # 2024-02-01 01:00 in China
    keyset = keyset_of(compromise(make_info(KEY_A), at, "after"))
    check(keyset, date(2024, 1, 31))  # a UTC calendar would wrongly reject this one
    with pytest.raises(KeyCompromisedError):
        check(keyset, date(2024, 2, 1))
