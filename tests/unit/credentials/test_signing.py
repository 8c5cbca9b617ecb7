"""Signing as an authority and our own verification: key life, compromise, issuer binding, tampering."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from keys.signing import SigningKey
from registry.credentials.credential import build_credential
from registry.credentials.did_web import authority_did, verification_method_id
from registry.credentials.errors import (
    BadProofSignatureError,
    CredentialError,
    IssuerMismatchError,
    KeyCompromisedError,
    KeyNotValidAtTimeError,
    MalformedCredentialError,
    ProofInFutureError,
    UnknownVerificationMethodError,
    WrongKeyPurposeError,
)
from registry.credentials.jcs import JsonObject, canonicalize
from registry.credentials.proof import add_proof
from registry.credentials.signing import sign_as_authority, verify_authority_document
from tests.unit.credentials.world import (
    ACTIVE,
    ACTIVE_INFO,
    CITY,
    CITY_ACTIVE,
    COMPROMISED,
    CST,
    KEYSET,
    LOG,
    LOG_INFO,
    PROVINCE,
    PUBLIC_URL,
    RETIRED,
    RETIRED_INFO,
    SALT,
    at,
    view,
)

ISSUED = date(2026, 3, 2)


def _unsigned(authority: str = PROVINCE) -> JsonObject:
    return build_credential(view(authority=authority), public_url=PUBLIC_URL, salt=SALT)


def _verify(data: bytes, now: datetime | None = None) -> object:
    return verify_authority_document(
        data, keyset=KEYSET, public_url=PUBLIC_URL, expected_type="OpenBadgeCredential", now=now
    )


def _forge(key: SigningKey, authority: str, created: datetime) -> bytes:
    """A proof made directly (bypassing sign_as_authority's checks), as a thief or an old signer would."""
    method = verification_method_id(authority_did(PUBLIC_URL, authority), key.kid)
    secured = add_proof(
        _unsigned(authority), verification_method=method, created=created, sign=key.sign, public_key=key.public_key
    )
    return canonicalize(secured)


def test_signed_by_the_active_key_verifies_and_hands_back_the_document() -> None:
    data = sign_as_authority(_unsigned(), public_url=PUBLIC_URL, key=ACTIVE_INFO, sign=ACTIVE.sign, created=at(ISSUED))
    verified = verify_authority_document(
        data, keyset=KEYSET, public_url=PUBLIC_URL, expected_type="OpenBadgeCredential"
    )
    assert verified.document == _unsigned()
    assert verified.verification_method.endswith("#" + ACTIVE.kid)
    assert verified.created == at(ISSUED)


@pytest.mark.parametrize(
    ("key", "info", "error"),
    [(RETIRED, RETIRED_INFO, KeyNotValidAtTimeError), (LOG, LOG_INFO, WrongKeyPurposeError)],
    ids=["retired-key", "log-key"],
)
def test_only_the_active_statement_key_signs(key: SigningKey, info: object, error: type[CredentialError]) -> None:
    with pytest.raises(error):
        sign_as_authority(_unsigned(), public_url=PUBLIC_URL, key=info, sign=key.sign, created=at(ISSUED))  # type: ignore[arg-type]


def test_signing_another_authoritys_credential_is_refused() -> None:
    with pytest.raises(IssuerMismatchError):
        sign_as_authority(_unsigned(CITY), public_url=PUBLIC_URL, key=ACTIVE_INFO, sign=ACTIVE.sign, created=at(ISSUED))


def test_a_signer_that_is_not_the_keys_private_half_is_refused() -> None:
    with pytest.raises(BadProofSignatureError):
        sign_as_authority(_unsigned(), public_url=PUBLIC_URL, key=ACTIVE_INFO, sign=RETIRED.sign, created=at(ISSUED))


def test_a_retired_key_still_verifies_what_it_signed_before_retirement() -> None:
    _verify(_forge(RETIRED, PROVINCE, at(date(2025, 6, 1))))


def test_a_retired_key_does_not_verify_what_it_signed_after_retirement() -> None:
    with pytest.raises(KeyNotValidAtTimeError):
        _verify(_forge(RETIRED, PROVINCE, at(date(2026, 1, 5))))


def test_a_key_does_not_verify_before_it_existed() -> None:
    with pytest.raises(KeyNotValidAtTimeError):
        _verify(_forge(CITY_ACTIVE, CITY, at(date(2026, 2, 1))))


@pytest.mark.parametrize(
    ("created", "refused"),
    [
        (datetime(2026, 2, 9, 23, 59, tzinfo=CST), False),  # the day before the compromise
        (datetime(2026, 2, 10, 0, 0, tzinfo=CST), True),  # the compromise day counts from 00:00 UTC+8
        (datetime(2026, 2, 10, 9, 59, tzinfo=CST), True),  # before the compromise instant, same day
        (datetime(2026, 2, 11, 9, 0, tzinfo=CST), True),
    ],
)
def test_a_proof_created_on_or_after_the_compromise_day_is_refused(created: datetime, refused: bool) -> None:
    data = _forge(COMPROMISED, CITY, created)
    if refused:
        with pytest.raises(KeyCompromisedError) as caught:
            _verify(data)
        assert caught.value.reason == "key_compromised"
    else:
        _verify(data)


def test_a_proof_in_the_future_is_refused_when_the_clock_is_given() -> None:
    data = _forge(CITY_ACTIVE, CITY, at(date(2026, 3, 2)))
    with pytest.raises(ProofInFutureError):
        _verify(data, now=at(date(2026, 3, 1)))
    _verify(data, now=at(date(2026, 3, 3)))


def test_a_key_of_one_authority_cannot_sign_for_another() -> None:
    # the province key, but claimed under the city's DID: the kid is only a hint
    method = verification_method_id(authority_did(PUBLIC_URL, CITY), ACTIVE.kid)
    secured = add_proof(
        _unsigned(CITY), verification_method=method, created=at(ISSUED), sign=ACTIVE.sign, public_key=ACTIVE.public_key
    )
    with pytest.raises(UnknownVerificationMethodError):
        _verify(canonicalize(secured))


def test_the_key_must_be_the_issuers() -> None:
    document = _unsigned(CITY)
    method = verification_method_id(authority_did(PUBLIC_URL, PROVINCE), ACTIVE.kid)
    secured = add_proof(
        document, verification_method=method, created=at(ISSUED), sign=ACTIVE.sign, public_key=ACTIVE.public_key
    )
    with pytest.raises(IssuerMismatchError):
        _verify(canonicalize(secured))


def test_a_tampered_credential_is_refused() -> None:
    data = sign_as_authority(_unsigned(), public_url=PUBLIC_URL, key=ACTIVE_INFO, sign=ACTIVE.sign, created=at(ISSUED))
    assert b"4300012026000001" in data
    with pytest.raises(BadProofSignatureError):
        _verify(data.replace(b"4300012026000001", b"4300012026000002"))


@pytest.mark.parametrize(
    "data",
    [b"", b"[]", b"\xff", b'{"type": ["VerifiableCredential"]}', b'{"type": "OpenBadgeCredential"}', b"{" * 50_000],
    ids=["empty", "array", "not-utf8", "wrong-type", "type-not-a-list", "deep"],
)
def test_garbage_is_a_typed_error_never_a_crash(data: bytes) -> None:
    with pytest.raises(MalformedCredentialError):
        _verify(data)


def test_a_status_list_is_not_accepted_as_a_credential() -> None:
    data = sign_as_authority(_unsigned(), public_url=PUBLIC_URL, key=ACTIVE_INFO, sign=ACTIVE.sign, created=at(ISSUED))
    with pytest.raises(MalformedCredentialError):
        verify_authority_document(
            data, keyset=KEYSET, public_url=PUBLIC_URL, expected_type="BitstringStatusListCredential"
        )
