"""Key resolvers for :func:`registry.credentials.proof.verify_proof`: from our key set, or from a did document.

* :func:`keyset_resolver` is what our own verifier uses: the public key set (``GET /v1/keys``, the registry's
  key rows) knows each key's whole life — valid from, retired at, compromised at — so a proof made after
  retirement or on/after the compromise day is refused, exactly as for the signed statement.
* :func:`did_document_resolver` is what a foreign verifier does with ``/authorities/{code}/did.json``,
  following Controlled Identifiers v1.0 §3.3 "Retrieve Verification Method": the method's ``id`` and
  ``controller`` must match the document, and it must be in the relationship named by ``proofPurpose``.

The kid in the fragment is a hint for the look-up, never trust: the key it finds must belong to the DID
that precedes the ``#``.
"""

from __future__ import annotations

from keys.keyset import KeySet
from registry.credentials.did_web import authority_did, revoked_at
from registry.credentials.errors import (
    MalformedCredentialError,
    UnknownVerificationMethodError,
    WrongKeyPurposeError,
)
from registry.credentials.jcs import JsonObject, JsonValue
from registry.credentials.multibase import decode_ed25519_multikey
from registry.credentials.proof import ASSERTION_METHOD, KeyResolver, ResolvedKey, parse_datetime


def keyset_resolver(keyset: KeySet, public_url: str) -> KeyResolver:
    """Resolve ``did:web:…:authorities:{code}#{kid}`` against ``keyset`` for a service at ``public_url``."""

    def resolve(verification_method: str, purpose: str) -> ResolvedKey:
        did, _, kid = verification_method.partition("#")
        info = keyset.get(kid)
        if info is None or did != authority_did(public_url, info.authority):
            raise UnknownVerificationMethodError(
                f"未知验证方法 / no key of this registry is {verification_method[:200]!r}"
            )
        if purpose != ASSERTION_METHOD or info.purpose != "statement":
            raise WrongKeyPurposeError(f"密钥用途不符 / key {kid} is a {info.purpose} key, not for {purpose}")
        return ResolvedKey(
            public_key=info.raw_public_key,
            valid_from=info.valid_from,
            valid_until=info.valid_to,
            revoked=revoked_at(info),
        )

    return resolve


def did_document_resolver(document: JsonValue) -> KeyResolver:
    """Resolve verification methods of one did document (already fetched from its did:web URL)."""
    if not isinstance(document, dict) or not isinstance(document.get("id"), str):
        raise MalformedCredentialError("did 文档必须是带 id 的对象 / a did document is an object with an id")
    controller = document["id"]
    methods = document.get("verificationMethod")
    if not isinstance(methods, list):
        raise MalformedCredentialError("did 文档缺少 verificationMethod / the did document lists no keys")

    def resolve(verification_method: str, purpose: str) -> ResolvedKey:
        did, _, fragment = verification_method.partition("#")
        if did != controller or not fragment:
            raise UnknownVerificationMethodError("验证方法不属于此 did 文档 / the method is not in this did document")
        method = _find_method(methods, verification_method)
        if method.get("controller") != controller or method.get("type") != "Multikey":
            raise MalformedCredentialError("验证方法格式错误 / the verification method is not this DID's Multikey")
        if not _in_relationship(document.get(purpose), verification_method):
            raise WrongKeyPurposeError(f"密钥不在 {purpose} 中 / the key is not listed under {purpose}")
        public_key_text = method.get("publicKeyMultibase")
        if not isinstance(public_key_text, str):
            raise MalformedCredentialError("缺少 publicKeyMultibase / the method has no publicKeyMultibase")
        revoked = method.get("revoked")
        return ResolvedKey(
            public_key=decode_ed25519_multikey(public_key_text),
            revoked=None if revoked is None else parse_datetime(revoked, field="revoked"),
        )

    return resolve


def _find_method(methods: list[JsonValue], method_id: str) -> JsonObject:
    for method in methods:
        if isinstance(method, dict) and method.get("id") == method_id:
            return method
    raise UnknownVerificationMethodError("did 文档中无此密钥 / the did document has no such key")


def _in_relationship(relationship: JsonValue, method_id: str) -> bool:
    if not isinstance(relationship, list):
        return False
    return any(item == method_id or (isinstance(item, dict) and item.get("id") == method_id) for item in relationship)
