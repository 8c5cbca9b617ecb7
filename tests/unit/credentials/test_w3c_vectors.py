"""The W3C vc-di-eddsa test vectors for ``eddsa-jcs-2022`` through our code, every intermediate on the way.

Source and commit: ``tests/vectors/w3c-vc-di-eddsa/README.md``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

import pytest

from keys.signing import SigningKey
from registry.credentials.errors import (
    BadProofSignatureError,
    ContextMismatchError,
    CredentialError,
    MalformedCredentialError,
    UnsupportedProofError,
)
from registry.credentials.jcs import JsonObject, canonicalize, parse
from registry.credentials.multibase import (
    decode_ed25519_multikey,
    decode_multibase_base58btc,
    ed25519_multikey,
    multibase_base58btc,
)
from registry.credentials.proof import (
    KeyResolver,
    ResolvedKey,
    add_proof,
    hash_data,
    proof_configuration,
    verify_proof,
)

VECTORS = Path(__file__).parents[2] / "vectors" / "w3c-vc-di-eddsa"
JCS = VECTORS / "eddsa-jcs-2022"


def _text(name: str) -> str:
    return (JCS / name).read_text(encoding="utf-8").strip()


def _object(path: Path) -> JsonObject:
    value = parse(path.read_bytes())
    assert isinstance(value, dict)
    return value


@pytest.fixture(scope="module")
def key_pair() -> dict[str, str]:
    return json.loads((VECTORS / "keyPair.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def signing_key(key_pair: dict[str, str]) -> SigningKey:
    secret = decode_multibase_base58btc(key_pair["privateKeyMultibase"], field="privateKeyMultibase")
    assert secret[:2] == b"\x80\x26"  # the Multikey header of an Ed25519 secret key (varint of 0x1300)
    return SigningKey.from_seed(secret[2:])


def _resolver(public_key: bytes) -> KeyResolver:
    def resolve(verification_method: str, purpose: str) -> ResolvedKey:
        return ResolvedKey(public_key=public_key)

    return resolve


def test_multikey_public_key_is_ours(key_pair: dict[str, str], signing_key: SigningKey) -> None:
    assert ed25519_multikey(signing_key.public_key) == key_pair["publicKeyMultibase"]
    assert decode_ed25519_multikey(key_pair["publicKeyMultibase"]) == signing_key.public_key


def test_canonical_document_and_its_hash() -> None:
    canonical = canonicalize(_object(VECTORS / "unsigned.json"))
    assert canonical.decode() == _text("canonDocJCS.txt")
    assert hashlib.sha256(canonical).hexdigest() == _text("docHashJCS.txt")


def test_proof_configuration_canonical_form_and_hash() -> None:
    document = _object(VECTORS / "unsigned.json")
    options = {name: value for name, value in _object(JCS / "proofConfigJCS.json").items() if name != "@context"}
    config = proof_configuration(options, document)
    assert config == _object(JCS / "proofConfigJCS.json")
    assert canonicalize(config).decode() == _text("proofCanonJCS.txt")
    assert hashlib.sha256(canonicalize(config)).hexdigest() == _text("proofHashJCS.txt")


def test_combined_hash_signature_and_proof_value(signing_key: SigningKey) -> None:
    data = hash_data(_object(JCS / "proofConfigJCS.json"), _object(VECTORS / "unsigned.json"))
    assert data.hex() == _text("combinedHashJCS.txt")
    signature = signing_key.sign(data)
    assert signature.hex() == _text("sigHexJCS.txt")
    assert multibase_base58btc(signature) == _text("sigBTC58JCS.txt")


def test_signing_the_unsigned_credential_gives_the_signed_vector(
    key_pair: dict[str, str], signing_key: SigningKey
) -> None:
    expected = _object(JCS / "signedJCS.json")
    proof = expected["proof"]
    assert isinstance(proof, dict)
    signed = add_proof(
        _object(VECTORS / "unsigned.json"),
        verification_method=str(proof["verificationMethod"]),
        created=datetime.fromisoformat(str(proof["created"])),
        sign=signing_key.sign,
        public_key=signing_key.public_key,
    )
    assert signed == expected
    assert canonicalize(signed) == canonicalize(expected)


def test_the_signed_vector_verifies(signing_key: SigningKey) -> None:
    verified = verify_proof(_object(JCS / "signedJCS.json"), resolve=_resolver(signing_key.public_key))
    assert verified.document == _object(VECTORS / "unsigned.json")
    assert verified.created == datetime.fromisoformat("2023-02-24T23:36:38+00:00")


def _altered(change: str) -> JsonObject:
    document = _object(JCS / "signedJCS.json")
    proof = document["proof"]
    assert isinstance(proof, dict)
    if change == "subject":
        document["credentialSubject"] = {"id": "did:example:abcdefgh", "alumniOf": "Another School"}
    elif change == "created":
        proof["created"] = "2023-02-24T23:36:39Z"
    elif change == "signature":
        value = str(proof["proofValue"])
        proof["proofValue"] = value[:-1] + ("Y" if value[-1] != "Y" else "Z")
    elif change == "context":
        proof["@context"] = ["https://www.w3.org/ns/credentials/v2", "https://example.org/other"]
    elif change == "cryptosuite":
        proof["cryptosuite"] = "eddsa-rdfc-2022"
    elif change == "purpose":
        proof["proofPurpose"] = "authentication"
    elif change == "proof-set":
        document["proof"] = [proof, proof]
    elif change == "no-proof-value":
        del proof["proofValue"]
    elif change == "short-signature":
        proof["proofValue"] = "z3yMApqCuCjXDJ"
    elif change == "created-not-a-time":
        proof["created"] = "yesterday"
    return document


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ("subject", BadProofSignatureError),
        ("created", BadProofSignatureError),
        ("signature", BadProofSignatureError),
        ("context", ContextMismatchError),
        ("cryptosuite", UnsupportedProofError),
        ("purpose", UnsupportedProofError),
        ("proof-set", UnsupportedProofError),
        ("no-proof-value", MalformedCredentialError),
        ("short-signature", MalformedCredentialError),
        ("created-not-a-time", MalformedCredentialError),
    ],
)
def test_an_altered_vector_is_refused_with_its_reason(
    signing_key: SigningKey, change: str, error: type[CredentialError]
) -> None:
    with pytest.raises(error) as caught:
        verify_proof(_altered(change), resolve=_resolver(signing_key.public_key))
    assert caught.value.reason == error.reason
