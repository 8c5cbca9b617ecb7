"""Signing keys and raw verification, including RFC 8032 test vectors and no-leak guarantees."""

from __future__ import annotations

import copy
import pickle

import pytest

from keys.errors import BadSignatureError, InvalidKeyError, MalformedInputError
from keys.kid import b64url_encode, key_id
from keys.signing import SigningKey, verify_signature

# RFC 8032 "Edwards-Curve Digital Signature Algorithm (EdDSA)", section 7.1 "Test Vectors for Ed25519",
# TEST 1, TEST 2 and TEST 3: (SECRET KEY, PUBLIC KEY, MESSAGE, SIGNATURE).
RFC8032_VECTORS = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
]


@pytest.mark.parametrize(("secret", "public", "message", "signature"), RFC8032_VECTORS)
def test_rfc8032_section_7_1_vectors(secret: str, public: str, message: str, signature: str) -> None:
    key = SigningKey.from_seed(bytes.fromhex(secret))
    assert key.public_key == bytes.fromhex(public)
    assert key.kid == key_id(bytes.fromhex(public))
    assert key.sign(bytes.fromhex(message)) == bytes.fromhex(signature)
    verify_signature(
        public_key=bytes.fromhex(public), message=bytes.fromhex(message), signature=bytes.fromhex(signature)
    )


def test_sign_returns_only_the_64_byte_signature() -> None:
    key = SigningKey.generate()
    signature = key.sign(b"certreg")
    assert len(signature) == 64
    verify_signature(public_key=key.public_key, message=b"certreg", signature=signature)


def test_generate_makes_distinct_keys() -> None:
    assert SigningKey.generate().public_key != SigningKey.generate().public_key


def test_a_signature_of_another_message_or_key_fails() -> None:
    key, other = SigningKey.generate(), SigningKey.generate()
    signature = key.sign(b"message")
    with pytest.raises(BadSignatureError):
        verify_signature(public_key=key.public_key, message=b"messagf", signature=signature)
    with pytest.raises(BadSignatureError):
        verify_signature(public_key=other.public_key, message=b"message", signature=signature)


def test_signed_message_form_is_not_accepted_as_a_message() -> None:
    """The PyNaCl trap: signature||message passed as the message must not verify anything."""
    key = SigningKey.generate()
    signature = key.sign(b"m")
    with pytest.raises(BadSignatureError):
        verify_signature(public_key=key.public_key, message=signature + b"m", signature=signature)


@pytest.mark.parametrize(
    ("public_key", "message", "signature"),
    [
        (b"\x00" * 31, b"m", b"\x00" * 64),
        (b"\x00" * 32, b"m", b"\x00" * 63),
        (b"\x00" * 32, b"m", b"\x00" * 65),
        (b"\x00" * 32, "m", b"\x00" * 64),
        ("00" * 32, b"m", b"\x00" * 64),
    ],
)
def test_malformed_verification_input_is_typed(public_key: object, message: object, signature: object) -> None:
    with pytest.raises(MalformedInputError):
        verify_signature(public_key=public_key, message=message, signature=signature)  # type: ignore[arg-type]


def test_signing_non_bytes_is_a_typed_error() -> None:
    with pytest.raises(MalformedInputError):
        SigningKey.generate().sign("text")  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", [b"", b"\x07" * 31, b"\x07" * 33, "07" * 32])
def test_from_seed_refuses_bad_seeds_without_echoing_them(seed: object) -> None:
    with pytest.raises(InvalidKeyError) as info:
        SigningKey.from_seed(seed)  # type: ignore[arg-type]
    assert "07" not in str(info.value)
    assert "\\x07" not in repr(info.value)


def test_repr_and_str_never_show_the_seed() -> None:
    seed = bytes(range(32))
    key = SigningKey.from_seed(seed)
    for text in (repr(key), str(key), f"{key}", f"{key!r}"):
        assert key.kid in text
        for secret in (seed.hex(), b64url_encode(seed), repr(seed), key.export_seed().hex()):
            assert secret not in text
    assert not hasattr(key, "__dict__")


@pytest.mark.parametrize("copier", [pickle.dumps, copy.copy, copy.deepcopy])
def test_a_signing_key_cannot_be_pickled_or_copied(copier: object) -> None:
    key = SigningKey.from_seed(bytes(range(32)))
    with pytest.raises(TypeError) as info:
        copier(key)  # type: ignore[operator]
    assert bytes(range(32)).hex() not in str(info.value)
