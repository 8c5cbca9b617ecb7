"""Resolving verification methods: from a did document (as a foreign verifier) and from our key set."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from typing import Any

import pytest

from registry.credentials.credential import build_credential
from registry.credentials.did_web import build_did_document
from registry.credentials.errors import (
    CredentialError,
    KeyCompromisedError,
    MalformedCredentialError,
    UnknownVerificationMethodError,
    WrongKeyPurposeError,
)
from registry.credentials.jcs import parse
from registry.credentials.proof import verify_proof
from registry.credentials.resolvers import did_document_resolver, keyset_resolver
from registry.credentials.signing import sign_as_authority, verify_authority_document
from registry.credentials.status_list import build_status_list_credential, read_status
from tests.unit.credentials.world import (
    ACTIVE,
    ACTIVE_INFO,
    KEYSET,
    LOG,
    PROVINCE,
    PUBLIC_URL,
    SALT,
    at,
    tree,
    view,
)

ISSUED = date(2026, 3, 2)


def _credential() -> Any:
    document = build_credential(view(), public_url=PUBLIC_URL, salt=SALT)
    data = sign_as_authority(document, public_url=PUBLIC_URL, key=ACTIVE_INFO, sign=ACTIVE.sign, created=at(ISSUED))
    return tree(parse(data))


def _did_document() -> Any:
    return tree(build_did_document(PUBLIC_URL, PROVINCE, KEYSET))


def test_our_credential_verifies_with_the_did_document_alone() -> None:
    verified = verify_proof(_credential(), resolve=did_document_resolver(_did_document()))
    assert verified.document["credentialSubject"] == _credential()["credentialSubject"]


def _bend(change: str) -> Any:
    document = _did_document()
    method = document["verificationMethod"][2]  # the active key
    if change == "not-in-assertion-method":
        document["assertionMethod"] = [item for item in document["assertionMethod"] if item != method["id"]]
    elif change == "foreign-controller":
        method["controller"] = "did:web:evil.example:authorities:430000"
    elif change == "revoked":
        method["revoked"] = "2026-03-01T00:00:00Z"
    elif change == "missing-method":
        document["verificationMethod"] = document["verificationMethod"][:2]
    elif change == "other-document":
        document["id"] = "did:web:zs.example.cn:authorities:430100"
    return document


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ("not-in-assertion-method", WrongKeyPurposeError),
        ("foreign-controller", MalformedCredentialError),
        ("revoked", KeyCompromisedError),
        ("missing-method", UnknownVerificationMethodError),
        ("other-document", UnknownVerificationMethodError),
    ],
)
def test_the_did_document_resolver_follows_retrieve_verification_method(
    change: str, error: type[CredentialError]
) -> None:
    with pytest.raises(error):
        verify_proof(_credential(), resolve=did_document_resolver(_bend(change)))


@pytest.mark.parametrize("document", [[], {"id": 1}, {"id": "did:web:x.cn"}])
def test_a_malformed_did_document_is_refused(document: object) -> None:
    with pytest.raises(MalformedCredentialError):
        did_document_resolver(document)  # type: ignore[arg-type]


def test_the_keyset_resolver_refuses_log_keys_and_strangers() -> None:
    resolve = keyset_resolver(KEYSET, PUBLIC_URL)
    with pytest.raises(WrongKeyPurposeError):
        resolve(f"did:web:zs.example.cn:authorities:430000#{LOG.kid}", "assertionMethod")
    with pytest.raises(UnknownVerificationMethodError):
        resolve("did:web:zs.example.cn:authorities:430000#AAAAAAAAAAA", "assertionMethod")
    with pytest.raises(UnknownVerificationMethodError):
        resolve(f"did:web:other.example:authorities:430000#{ACTIVE.kid}", "assertionMethod")
    with pytest.raises(WrongKeyPurposeError):
        resolve(f"did:web:zs.example.cn:authorities:430000#{ACTIVE.kid}", "authentication")


def test_a_signed_status_list_verifies_and_answers_for_its_entries() -> None:
    document = build_status_list_credential(
        public_url=PUBLIC_URL,
        authority_code=PROVINCE,
        list_number=1,
        set_indices=[4],
        valid_from=datetime(2026, 3, 5, tzinfo=UTC),
    )
    data = sign_as_authority(document, public_url=PUBLIC_URL, key=ACTIVE_INFO, sign=ACTIVE.sign, created=at(ISSUED))
    verified = verify_authority_document(
        data, keyset=KEYSET, public_url=PUBLIC_URL, expected_type="BitstringStatusListCredential"
    )
    assert read_status(_credential()["credentialStatus"], verified.document) is True  # sequence value 5: index 4
    with pytest.raises(MalformedCredentialError):
        verify_authority_document(data, keyset=KEYSET, public_url=PUBLIC_URL, expected_type="OpenBadgeCredential")
    assert copy.deepcopy(verified.document) == document
