"""did:web identifiers, their resolution URLs, and the did documents of authorities."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from registry.credentials.did_web import (
    MULTIKEY_CONTEXT,
    authority_did,
    build_did_document,
    did_document_url,
    revoked_at,
)
from registry.credentials.errors import MalformedCredentialError
from registry.credentials.multibase import decode_ed25519_multikey
from tests.unit.credentials.world import (
    ACTIVE,
    CITY,
    CITY_ACTIVE,
    CITY_INFO,
    COMPROMISED,
    COMPROMISED_AT,
    KEYSET,
    LOG,
    PROVINCE,
    PUBLIC_URL,
    RETIRED,
    info,
    tree,
)


@pytest.mark.parametrize(
    ("did", "url"),
    [
        # the did:web specification's own examples (§3.2 "Read (Resolve)" and "Create")
        ("did:web:w3c-ccg.github.io", "https://w3c-ccg.github.io/.well-known/did.json"),
        ("did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"),
        ("did:web:example.com%3A3000:user:alice", "https://example.com:3000/user/alice/did.json"),
        # ours: path segments become the route /authorities/{code}/did.json
        ("did:web:zs.example.cn:authorities:430000", "https://zs.example.cn/authorities/430000/did.json"),
    ],
)
def test_did_web_resolution_url(did: str, url: str) -> None:
    assert did_document_url(did) == url


@pytest.mark.parametrize(
    ("public_url", "did"),
    [
        ("https://zs.example.cn", "did:web:zs.example.cn:authorities:430000"),
        ("https://zs.example.cn/", "did:web:zs.example.cn:authorities:430000"),
        ("http://127.0.0.1:8000", "did:web:127.0.0.1%3A8000:authorities:430000"),
        ("https://rs.example.cn/zs/", "did:web:rs.example.cn:zs:authorities:430000"),
    ],
)
def test_authority_did_from_the_public_url(public_url: str, did: str) -> None:
    assert authority_did(public_url, "430000") == did
    assert did_document_url(did).endswith("/authorities/430000/did.json")


@pytest.mark.parametrize(
    ("public_url", "code"),
    [("ftp://x.cn", "430000"), ("https://X.cn", "430000"), ("https://x.cn?a=1", "430000"), ("https://x.cn", "43/0")],
)
def test_bad_public_url_or_code_is_refused(public_url: str, code: str) -> None:
    with pytest.raises(ValueError, match=r"PUBLIC_URL|authority code"):
        authority_did(public_url, code)


@pytest.mark.parametrize(
    "did", ["did:key:z6Mk", "did:web:zs.example.cn#x", "did:web:EXAMPLE.cn", "did:web:a.cn:..%2F", "did:web:a.cn:..:x"]
)
def test_resolution_of_a_bad_did_is_refused(did: str) -> None:
    with pytest.raises(MalformedCredentialError):
        did_document_url(did)


def test_document_lists_every_key_of_the_authority_with_the_kid_as_fragment() -> None:
    document = build_did_document(PUBLIC_URL, PROVINCE, KEYSET)
    did = "did:web:zs.example.cn:authorities:430000"
    assert document["id"] == did
    assert MULTIKEY_CONTEXT in tree(document)["@context"]
    methods = document["verificationMethod"]
    assert isinstance(methods, list)
    assert [method["id"] for method in tree(methods)] == [
        f"{did}#{RETIRED.kid}",
        f"{did}#{LOG.kid}",
        f"{did}#{ACTIVE.kid}",
    ]
    for method, key in zip(methods, (RETIRED, LOG, ACTIVE), strict=True):
        assert isinstance(method, dict)
        assert method["type"] == "Multikey"
        assert method["controller"] == did
        assert decode_ed25519_multikey(str(method["publicKeyMultibase"])) == key.public_key
        assert "revoked" not in method
        assert "expires" not in method  # retirement does not void what the key signed


def test_retired_keys_stay_in_assertion_method_and_log_keys_are_not_in_it() -> None:
    document = build_did_document(PUBLIC_URL, PROVINCE, KEYSET)
    did = document["id"]
    assert document["assertionMethod"] == [f"{did}#{RETIRED.kid}", f"{did}#{ACTIVE.kid}"]


def test_a_compromised_key_carries_revoked_from_the_start_of_its_compromise_day() -> None:
    document = tree(build_did_document(PUBLIC_URL, CITY, KEYSET))
    methods = {method["id"].partition("#")[2]: method for method in document["verificationMethod"]}
    # compromised 2026-02-10 10:00 UTC+8: the whole day counts, so revoked = 2026-02-10 00:00 UTC+8
    assert methods[COMPROMISED.kid]["revoked"] == "2026-02-09T16:00:00Z"
    assert "revoked" not in methods[CITY_ACTIVE.kid]
    assert len(document["assertionMethod"]) == 2


def test_an_authority_without_keys_has_an_empty_document() -> None:
    document = build_did_document(PUBLIC_URL, "439999", KEYSET)
    assert document["verificationMethod"] == []
    assert document["assertionMethod"] == []


def test_scope_all_revokes_from_the_keys_first_moment() -> None:
    everything = info(
        COMPROMISED, CITY, valid_from=datetime(2025, 6, 1, tzinfo=UTC), compromised_at=COMPROMISED_AT, scope="all"
    )
    assert revoked_at(everything) == datetime(2025, 6, 1, tzinfo=UTC)
    assert revoked_at(CITY_INFO) is None
