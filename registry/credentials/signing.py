"""Signing as an authority and verifying what an authority signed: credentials and status lists alike.

:func:`sign_as_authority` adds the ``eddsa-jcs-2022`` proof of the authority's *active* statement key and
returns the bytes to store: the RFC 8785 form of the secured document, which is exactly what a verifier
parses again — never re-encoded from the database to verify. The private key stays with the caller: it
passes ``sign`` (in phase 2 the issuer's authority signer from ``issuer/keystore.py``).

:func:`verify_authority_document` is our own full check of such bytes: strict JSON, the proof against the key
set (key life and compromise included), and that the key belongs to the document's ``issuer``
(VC Data Model 2.0, "Issuer": the issuer is who secured the credential).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from keys.keyset import KeySet, KeyStatus, PublicKeyInfo
from registry.credentials.did_web import authority_did, verification_method_id
from registry.credentials.errors import (
    IssuerMismatchError,
    KeyNotValidAtTimeError,
    MalformedCredentialError,
    WrongKeyPurposeError,
)
from registry.credentials.jcs import JsonObject, JsonValue, canonicalize, parse
from registry.credentials.proof import Signer, VerifiedProof, add_proof, verify_proof
from registry.credentials.resolvers import keyset_resolver


def sign_as_authority(
    document: JsonObject,
    *,
    public_url: str,
    key: PublicKeyInfo,
    sign: Signer,
    created: datetime,
) -> bytes:
    """The canonical bytes of ``document`` secured by ``key`` (the issuer's active statement key).

    Raises :class:`WrongKeyPurposeError` for a log key, :class:`KeyNotValidAtTimeError` for a key that is
    not active at ``created``, :class:`IssuerMismatchError` when ``document``'s issuer is another authority,
    and :class:`BadProofSignatureError` when ``sign`` is not the private half of ``key``.
    """
    created = proof_time(created, key)
    if key.purpose != "statement":
        raise WrongKeyPurposeError(
            f"密钥用途不符 / key {key.kid} is a {key.purpose} key; credentials need a statement key"
        )
    if key.status is not KeyStatus.ACTIVE or created < key.valid_from:
        raise KeyNotValidAtTimeError(f"密钥不可签名 / key {key.kid} is not the active key at the signing time")
    did = authority_did(public_url, key.authority)
    if issuer_id(document) != did:
        raise IssuerMismatchError(f"签发者与密钥机构不符 / the document's issuer is not authority {key.authority}")
    secured = add_proof(
        document,
        verification_method=verification_method_id(did, key.kid),
        created=created,
        sign=sign,
        public_key=key.raw_public_key,
    )
    return canonicalize(secured)


def proof_time(moment: datetime, key: PublicKeyInfo) -> datetime:
    """``moment`` as the proof records it — to the whole second (``format_datetime``) — but never before
    ``key.valid_from``: a key made earlier in the same second would otherwise not exist yet at the recorded
    time, and the proof would not verify. Rounded up then, by less than a second."""
    whole = moment.replace(microsecond=0)
    return whole + timedelta(seconds=1) if whole < key.valid_from <= moment else whole


def verify_authority_document(
    data: bytes,
    *,
    keyset: KeySet,
    public_url: str,
    expected_type: str,
    now: datetime | None = None,
) -> VerifiedProof:
    """Verify stored or received bytes of a credential (``expected_type`` ``OpenBadgeCredential``) or a
    status list (``BitstringStatusListCredential``) signed by one of our authorities.

    Raises a :class:`CredentialError` subclass for every failure (see :func:`verify_proof`), plus
    :class:`MalformedCredentialError` when the document is not of ``expected_type`` and
    :class:`IssuerMismatchError` when the proof's key is not the issuer's.
    """
    document = parse(data)
    if not isinstance(document, dict):
        raise MalformedCredentialError("凭证必须是 JSON 对象 / a credential is a JSON object")
    types = document.get("type")
    if not isinstance(types, list) or "VerifiableCredential" not in types or expected_type not in types:
        raise MalformedCredentialError(
            f"凭证类型须含 {expected_type} / the credential's type must include {expected_type}"
        )
    verified = verify_proof(document, resolve=keyset_resolver(keyset, public_url), now=now)
    did = verified.verification_method.partition("#")[0]
    if issuer_id(verified.document) != did:
        raise IssuerMismatchError("签名密钥不属于签发者 / the proof's key does not belong to the credential's issuer")
    return verified


def issuer_id(document: JsonObject) -> JsonValue:
    """The ``issuer`` of a credential: the string, or the ``id`` of the issuer object."""
    issuer = document.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer
