"""The published vectors in tests/vectors/statement_v1.json: the code agrees with every one of them, and
regenerating the file gives identical bytes."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import msgspec
import pytest

from keys.keyset import KeySet
from keys.kid import b64url_encode
from keys.signing import SigningKey
from registry.qrtoken import encode_token, token_url
from registry.statement import DOMAIN, Statement, encode_statement
from tests.vectors.generate import OUTPUT, render
from verify.verifier import REASONS, verify_token

DOCUMENT: dict[str, Any] = json.loads(OUTPUT.read_bytes())
KEYSET = KeySet.from_json(json.dumps(DOCUMENT["keyset"]))
VECTORS = DOCUMENT["vectors"]


def test_regenerating_gives_identical_bytes() -> None:
    assert render() == OUTPUT.read_bytes()


@pytest.mark.parametrize("label", sorted(DOCUMENT["keys"]))
def test_keys(label: str) -> None:
    entry = DOCUMENT["keys"][label]
    key = SigningKey.from_seed(bytes.fromhex(entry["seed_hex"]))
    assert key.public_key.hex() == entry["public_key_hex"]
    assert b64url_encode(key.public_key) == entry["public_key_b64url"]
    digest = hashlib.sha256(key.public_key).digest()[:8]
    assert entry["kid"] == b64url_encode(digest) == key.kid


def test_vectors_cover_every_reason_a_token_can_give() -> None:
    reasons = {vector["expected"]["reason"] for vector in VECTORS}
    assert reasons == set(REASONS) - {"malformed_input"}  # a token always splits into 64 signature bytes
    assert len({vector["name"] for vector in VECTORS}) == len(VECTORS)


def test_a_valid_vector_has_a_mod37_check_character_in_its_number() -> None:
    """``*`` is a legal number character (the MOD 37-2 check character); verifiers must accept it."""
    starred = [v for v in VECTORS if v["statement"] and "*" in v["statement"]["number"] and v["expected"]["valid"]]
    assert [v["name"] for v in starred] == ["valid-check-character-star"]
    readme = (OUTPUT.parent / "README.md").read_text(encoding="utf-8")
    assert "| 1 | number | 1–32 of `0-9 A-Z a-z - *`" in readme


@pytest.mark.parametrize("vector", VECTORS, ids=[vector["name"] for vector in VECTORS])
def test_vector(vector: dict[str, Any]) -> None:
    data = bytes.fromhex(vector["statement_hex"])
    signature = bytes.fromhex(vector["signature_hex"])
    signer = SigningKey.from_seed(bytes.fromhex(DOCUMENT["keys"][vector["signed_by"]]["seed_hex"]))
    if vector["statement"] is not None:
        statement = Statement(**vector["statement"])
        assert encode_statement(statement) == data
        assert statement.issued_date.isoformat() == vector["issued_on_date"]
    if not vector["name"].startswith("flipped-"):
        assert signer.sign(DOMAIN + data) == signature
    if not vector["name"].startswith("token-"):
        assert encode_token(data, signature) == vector["token"]
    assert token_url(DOCUMENT["public_url"], vector["token"]) == vector["url"]
    verdict = verify_token(vector["token"], KEYSET)
    assert {"valid": verdict.valid, "reason": verdict.reason} == vector["expected"]
    if verdict.valid:
        assert msgspec.to_builtins(msgspec.structs.asdict(verdict.statement)) == vector["statement"]  # type: ignore[arg-type]
