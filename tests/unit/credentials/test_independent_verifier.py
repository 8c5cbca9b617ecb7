"""Our credentials and status lists, checked by a verifier written apart from the code.

The verifier below uses only PyNaCl, the ``rfc8785`` package, hashlib, gzip/base64 and a base58 decoder
written here; it imports nothing of ``registry.credentials`` except to *produce* the documents under test
(the credential, the status list credential and the did document a foreign verifier would fetch from
``/authorities/{code}/did.json``). It follows vc-di-eddsa §3.3.2 and Bitstring Status List v1.0 §3.2.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from datetime import UTC, date, datetime
from typing import Any

import msgspec
import nacl.exceptions
import nacl.signing
import pytest
import rfc8785

from keys.keyset import KeyStatus
from registry.credentials.credential import build_credential
from registry.credentials.did_web import build_did_document
from registry.credentials.signing import sign_as_authority
from registry.credentials.status_list import build_status_list_credential, status_position
from tests.unit.credentials.world import (
    ACTIVE,
    ACTIVE_INFO,
    CITY,
    COMPROMISED,
    COMPROMISED_INFO,
    KEYSET,
    PROVINCE,
    PUBLIC_URL,
    SALT,
    at,
    view,
)

# ---------------------------------------------------------------- the independent verifier

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        number = number * 58 + _ALPHABET.index(char)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


class Refused(Exception):
    """The independent verifier's only verdict besides success."""


def independent_verify(data: bytes, did_document: dict[str, Any]) -> dict[str, Any]:
    secured = json.loads(data)
    document = {name: value for name, value in secured.items() if name != "proof"}
    proof = dict(secured["proof"])
    if (proof["type"], proof["cryptosuite"], proof["proofPurpose"]) != (
        "DataIntegrityProof",
        "eddsa-jcs-2022",
        "assertionMethod",
    ):
        raise Refused("not an eddsa-jcs-2022 assertion proof")
    proof_value = proof.pop("proofValue")
    if not proof_value.startswith("z"):
        raise Refused("proofValue is not base58btc")
    signature = b58decode(proof_value[1:])
    if "@context" in proof:
        if document["@context"][: len(proof["@context"])] != proof["@context"]:
            raise Refused("context mismatch")
        document["@context"] = proof["@context"]
    method_id = proof["verificationMethod"]
    controller = method_id.split("#")[0]
    issuer = document["issuer"]["id"] if isinstance(document["issuer"], dict) else document["issuer"]
    if controller != did_document["id"] or issuer != controller:
        raise Refused("the key is not the issuer's")
    if method_id not in did_document["assertionMethod"]:
        raise Refused("the key may not assert credentials")
    method = next(item for item in did_document["verificationMethod"] if item["id"] == method_id)
    if method["controller"] != controller:
        raise Refused("the method's controller is not the document's")
    multikey = b58decode(method["publicKeyMultibase"][1:])
    if multikey[:2] != b"\xed\x01":
        raise Refused("not an Ed25519 key")
    created = datetime.fromisoformat(proof["created"])
    if "revoked" in method and created >= datetime.fromisoformat(method["revoked"]):
        raise Refused("made with a revoked key")
    proof_config = {**proof, "@context": document["@context"]} if "@context" in document else proof
    hashed = hashlib.sha256(rfc8785.dumps(proof_config)).digest() + hashlib.sha256(rfc8785.dumps(document)).digest()
    try:
        nacl.signing.VerifyKey(multikey[2:]).verify(hashed, signature=signature)
    except nacl.exceptions.BadSignatureError:
        raise Refused("bad signature") from None
    return document


def independent_bit(status_list_credential: dict[str, Any], entry: dict[str, Any]) -> bool:
    assert entry["type"] == "BitstringStatusListEntry"
    assert entry["statusListCredential"] == status_list_credential["id"]
    subject = status_list_credential["credentialSubject"]
    assert subject["statusPurpose"] == entry["statusPurpose"] == "revocation"
    encoded = subject["encodedList"]
    assert encoded.startswith("u")
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(raw) * 8 >= 131_072
    index = int(entry["statusListIndex"])
    return bool(raw[index // 8] >> (7 - index % 8) & 1)


# ---------------------------------------------------------------- our documents under that verifier

ISSUED = date(2026, 3, 2)
NUMBERS = {1: "4300012026000001", 2: "4300012026000002", 3: "4300012026000003"}


def _issue(sequence_value: int) -> bytes:
    certificate = view(number=NUMBERS[sequence_value], sequence_value=sequence_value, issued_on=ISSUED)
    document = build_credential(certificate, public_url=PUBLIC_URL, salt=SALT)
    return sign_as_authority(document, public_url=PUBLIC_URL, key=ACTIVE_INFO, sign=ACTIVE.sign, created=at(ISSUED))


def _status_list(revoked_values: list[int]) -> bytes:
    document = build_status_list_credential(
        public_url=PUBLIC_URL,
        authority_code=PROVINCE,
        list_number=1,
        set_indices=[status_position(value).index for value in revoked_values],
        valid_from=datetime(2026, 3, 5, 8, 0, tzinfo=UTC),
    )
    return sign_as_authority(
        document, public_url=PUBLIC_URL, key=ACTIVE_INFO, sign=ACTIVE.sign, created=at(date(2026, 3, 5))
    )


@pytest.fixture(scope="module")
def did_document() -> dict[str, Any]:
    """What a foreign verifier fetches from https://zs.example.cn/authorities/430000/did.json."""
    return json.loads(json.dumps(build_did_document(PUBLIC_URL, PROVINCE, KEYSET)))  # type: ignore[no-any-return]


@pytest.mark.parametrize("sequence_value", [1, 2, 3])
def test_our_credentials_verify_independently(did_document: dict[str, Any], sequence_value: int) -> None:
    document = independent_verify(_issue(sequence_value), did_document)
    assert document["credentialSubject"]["licenseNumber"] == NUMBERS[sequence_value]
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]


def test_our_status_list_credential_verifies_independently(did_document: dict[str, Any]) -> None:
    document = independent_verify(_status_list([2]), did_document)
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]


def test_a_revoked_certificates_bit_is_set_and_the_others_are_not(did_document: dict[str, Any]) -> None:
    status_list = independent_verify(_status_list([2]), did_document)
    bits = {}
    for value in NUMBERS:
        credential = independent_verify(_issue(value), did_document)
        bits[value] = independent_bit(status_list, credential["credentialStatus"])
    assert bits == {1: False, 2: True, 3: False}


def test_the_independent_verifier_refuses_a_tampered_credential(did_document: dict[str, Any]) -> None:
    data = _issue(1).replace(NUMBERS[1].encode(), NUMBERS[2].encode())
    with pytest.raises(Refused, match="bad signature"):
        independent_verify(data, did_document)


def test_the_independent_verifier_applies_a_compromise_from_the_did_document() -> None:
    """A proof by the Changsha key after its compromise: the did document's ``revoked`` refuses it."""
    document = build_credential(view(authority=CITY), public_url=PUBLIC_URL, salt=SALT)
    after = at(date(2026, 2, 10), hour=12)
    # the thief signs as if the key were still good (before the province marked it compromised)
    thief = msgspec.structs.replace(
        COMPROMISED_INFO, status=KeyStatus.ACTIVE, compromised_at=None, compromise_scope=None
    )
    data = sign_as_authority(document, public_url=PUBLIC_URL, key=thief, sign=COMPROMISED.sign, created=after)
    city_document = json.loads(json.dumps(build_did_document(PUBLIC_URL, CITY, KEYSET)))
    with pytest.raises(Refused, match="revoked"):
        independent_verify(data, city_document)
