"""Data Integrity proofs with the ``eddsa-jcs-2022`` cryptosuite (W3C vc-di-eddsa v1.0, §3.3).

Creating (§3.3.1): the proof options (``type`` DataIntegrityProof, ``cryptosuite``, ``created``,
``verificationMethod``, ``proofPurpose``) take the document's ``@context`` (§3.3.5 step 4); the data signed
is ``SHA-256(JCS(proof config)) ‖ SHA-256(JCS(document))`` (§3.3.4), 64 bytes; Ed25519 signs them and
``proofValue`` is ``z`` + base58btc(signature) (§3.3.6).

Verifying (§3.3.2) undoes that on a secured document: remove ``proof``, remove ``proofValue`` from it, check
that the proof's ``@context`` is a prefix of the document's and use it (step 4), hash, and check the
signature with the key the ``verificationMethod`` resolves to. The resolver is a callable the caller
chooses: our key set (:mod:`registry.credentials.resolvers`), or a did document. Before the signature,
the key's life is checked against ``created``: a proof created before the key existed or after it was
retired, or at/after its ``revoked`` time (a compromise), is refused. So this profile requires ``created``
(the cryptosuite makes it optional) — without it a compromise could not be applied.

Signing takes a ``sign`` callable (bytes → 64-byte signature) so that this module, which a verify replica
also loads, never touches a private key: the issuer passes its authority signer.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Final, Protocol

import msgspec

from keys.errors import SignatureVerificationError
from keys.signing import SIGNATURE_BYTES, verify_signature
from registry.credentials.errors import (
    BadProofSignatureError,
    ContextMismatchError,
    KeyCompromisedError,
    KeyNotValidAtTimeError,
    MalformedCredentialError,
    ProofInFutureError,
    UnsupportedProofError,
)
from registry.credentials.jcs import JsonObject, JsonValue, canonicalize
from registry.credentials.multibase import decode_multibase_base58btc, multibase_base58btc

PROOF_TYPE: Final = "DataIntegrityProof"
CRYPTOSUITE: Final = "eddsa-jcs-2022"
ASSERTION_METHOD: Final = "assertionMethod"
#: How far ``created`` may run ahead of the verifier's clock (clock skew between issuer and verifier).
CLOCK_SKEW: Final = timedelta(minutes=5)
_DATETIME_STAMP: Final = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")

Signer = Callable[[bytes], bytes]


class ResolvedKey(msgspec.Struct, frozen=True, kw_only=True):
    """What a verifier needs of a verification method: the raw key and the times that bound its use."""

    public_key: bytes
    valid_from: datetime | None = None
    valid_until: datetime | None = None  # retired at
    revoked: datetime | None = None  # compromised: no proof created at or after this instant


class KeyResolver(Protocol):
    """Finds the key of a ``verificationMethod`` authorised for ``purpose``; raises
    :class:`UnknownVerificationMethodError` or :class:`WrongKeyPurposeError`."""

    def __call__(self, verification_method: str, purpose: str) -> ResolvedKey: ...


class VerifiedProof(msgspec.Struct, frozen=True, kw_only=True):
    """A proof that verified, and the document it secures (without ``proof``), so callers never parse
    the credential a second time."""

    document: JsonObject
    verification_method: str
    created: datetime
    proof: JsonObject


def format_datetime(moment: datetime) -> str:
    """An aware datetime as an XML Schema ``dateTimeStamp`` in UTC to the second (``…T…Z``)."""
    if moment.utcoffset() is None:
        raise ValueError("a proof time needs a time zone")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(value: JsonValue, *, field: str) -> datetime:
    """An XML Schema ``dateTimeStamp`` (time zone required); raises :class:`MalformedCredentialError`."""
    if not isinstance(value, str) or not _DATETIME_STAMP.fullmatch(value):
        raise MalformedCredentialError(f"{field} 不是带时区的时间 / {field} must be an XML Schema dateTimeStamp")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise MalformedCredentialError(f"{field} 不是有效时间 / {field} is not a valid date and time") from None


def hash_data(proof_config: Mapping[str, JsonValue], document: Mapping[str, JsonValue]) -> bytes:
    """``SHA-256(JCS(proof_config)) ‖ SHA-256(JCS(document))`` — the 64 bytes Ed25519 signs (§3.3.4)."""
    return hashlib.sha256(canonicalize(proof_config)).digest() + hashlib.sha256(canonicalize(document)).digest()


def proof_configuration(options: Mapping[str, JsonValue], document: Mapping[str, JsonValue]) -> JsonObject:
    """The proof configuration of §3.3.5: the options, checked, with the document's ``@context``."""
    config: JsonObject = dict(options)
    if config.get("type") != PROOF_TYPE or config.get("cryptosuite") != CRYPTOSUITE:
        raise UnsupportedProofError(
            f"只支持 {PROOF_TYPE}/{CRYPTOSUITE} / only {PROOF_TYPE} with cryptosuite {CRYPTOSUITE} is supported"
        )
    if "created" in config:
        parse_datetime(config["created"], field="proof.created")
    if "@context" in document:
        config["@context"] = document["@context"]
    return config


def add_proof(
    document: Mapping[str, JsonValue],
    *,
    verification_method: str,
    created: datetime,
    sign: Signer,
    public_key: bytes,
    proof_purpose: str = ASSERTION_METHOD,
) -> JsonObject:
    """``document`` with its ``eddsa-jcs-2022`` ``proof`` (vc-di-eddsa §3.3.1), signed by ``sign``.

    ``public_key`` is the key ``verification_method`` names: the signature is checked against it before the
    document is returned, so a signer of the wrong key raises :class:`BadProofSignatureError` instead of
    producing a credential nobody can verify. Raises :class:`CanonicalizationError` for a document JSON
    cannot carry exactly and :class:`UnsupportedProofError` for a document that already has a proof.
    """
    if "proof" in document:
        raise UnsupportedProofError("文档已有证明 / the document already has a proof (proof sets are not supported)")
    options: JsonObject = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": format_datetime(created),
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    proof = proof_configuration(options, document)
    data = hash_data(proof, document)
    signature = sign(data)
    try:
        verify_signature(public_key=public_key, message=data, signature=signature)
    except SignatureVerificationError:
        raise BadProofSignatureError(
            "签名者与验证方法的公钥不符 / the signer's key is not the verification method's key"
        ) from None
    proof["proofValue"] = multibase_base58btc(signature)
    return {**document, "proof": proof}


def verify_proof(
    secured: JsonValue,
    *,
    resolve: KeyResolver,
    expected_purpose: str = ASSERTION_METHOD,
    now: datetime | None = None,
) -> VerifiedProof:
    """Verify the single ``eddsa-jcs-2022`` proof of ``secured`` (vc-di-eddsa §3.3.2).

    Raises, in this order: :class:`MalformedCredentialError` (not an object, fields of the wrong type),
    :class:`UnsupportedProofError` (another suite, a proof set, another purpose),
    :class:`ContextMismatchError`, the resolver's :class:`UnknownVerificationMethodError` /
    :class:`WrongKeyPurposeError`, :class:`ProofInFutureError` (only when ``now`` is given),
    :class:`KeyNotValidAtTimeError`, :class:`KeyCompromisedError`, and :class:`BadProofSignatureError`.
    """
    document, proof = _split(secured)
    options = {name: value for name, value in proof.items() if name != "proofValue"}
    signature = _proof_bytes(proof.get("proofValue"))
    _check_options(options, expected_purpose)
    verification_method = options["verificationMethod"]
    assert isinstance(verification_method, str)  # checked by _check_options
    created = parse_datetime(options["created"], field="proof.created")
    if "@context" in options:
        document["@context"] = _context_prefix(options["@context"], document.get("@context"))
    config = proof_configuration(options, document)
    key = resolve(verification_method, expected_purpose)
    _check_key_time(key, created, now)
    try:
        verify_signature(public_key=key.public_key, message=hash_data(config, document), signature=signature)
    except SignatureVerificationError:
        raise BadProofSignatureError("证明签名无效 / the proof signature does not match the document") from None
    return VerifiedProof(document=document, verification_method=verification_method, created=created, proof=proof)


def _split(secured: JsonValue) -> tuple[JsonObject, JsonObject]:
    if not isinstance(secured, dict):
        raise MalformedCredentialError("凭证必须是 JSON 对象 / a secured document is a JSON object")
    proof = secured.get("proof")
    if isinstance(proof, list):
        raise UnsupportedProofError("不支持多个证明 / proof sets and chains are not supported; give one proof")
    if not isinstance(proof, dict):
        raise MalformedCredentialError("缺少 proof 对象 / the document has no proof object")
    document = {name: value for name, value in secured.items() if name != "proof"}
    return document, dict(proof)


def _proof_bytes(value: JsonValue) -> bytes:
    if not isinstance(value, str):
        raise MalformedCredentialError("缺少 proofValue / proof.proofValue must be a string")
    signature = decode_multibase_base58btc(value, field="proof.proofValue")
    if len(signature) != SIGNATURE_BYTES:
        raise MalformedCredentialError("proofValue 长度错误 / proof.proofValue must hold a 64-byte Ed25519 signature")
    return signature


def _check_options(options: JsonObject, expected_purpose: str) -> None:
    if options.get("type") != PROOF_TYPE or options.get("cryptosuite") != CRYPTOSUITE:
        raise UnsupportedProofError(
            f"只支持 {PROOF_TYPE}/{CRYPTOSUITE} / only {PROOF_TYPE} with cryptosuite {CRYPTOSUITE} is supported"
        )
    if "previousProof" in options:
        raise UnsupportedProofError("不支持证明链 / proof chains (previousProof) are not supported")
    if options.get("proofPurpose") != expected_purpose:
        raise UnsupportedProofError(f"证明用途须为 {expected_purpose} / proofPurpose must be {expected_purpose}")
    if not isinstance(options.get("verificationMethod"), str):
        raise MalformedCredentialError("缺少 verificationMethod / proof.verificationMethod must be a URL string")
    if "created" not in options:
        raise MalformedCredentialError("缺少 created / proof.created is required (key compromise needs a time)")


def _context_prefix(proof_context: JsonValue, document_context: JsonValue) -> JsonValue:
    """§3.3.2 step 4: the document's ``@context`` must start with the proof's; returns the proof's."""
    wanted = proof_context if isinstance(proof_context, list) else [proof_context]
    have = document_context if isinstance(document_context, list) else [document_context]
    if document_context is None or have[: len(wanted)] != wanted:
        raise ContextMismatchError(
            "证明的 @context 与文档不符 / the proof's @context is not a prefix of the document's"
        )
    return proof_context


def _check_key_time(key: ResolvedKey, created: datetime, now: datetime | None) -> None:
    if now is not None and created > now + CLOCK_SKEW:
        raise ProofInFutureError(f"证明时间晚于当前时间 / proof created {format_datetime(created)} is in the future")
    if key.valid_from is not None and created < key.valid_from:
        raise KeyNotValidAtTimeError(f"密钥当时尚未启用 / the key was not in use yet at {format_datetime(created)}")
    if key.valid_until is not None and created > key.valid_until:
        raise KeyNotValidAtTimeError(f"密钥当时已停用 / the key was retired before {format_datetime(created)}")
    if key.revoked is not None and created >= key.revoked:
        raise KeyCompromisedError(
            f"密钥已泄露 / the key is revoked since {format_datetime(key.revoked)}; proof made at or after it"
        )
