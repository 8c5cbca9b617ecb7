"""did:web identifiers and documents of the issuing authorities.

An authority's DID is ``did:web:{host}:authorities:{code}`` (with ``{host}`` the host of ``PUBLIC_URL``,
its port's colon percent-encoded, and the path of ``PUBLIC_URL``, if any, as more segments). The did:web
method (W3C CCG "did:web Method Specification", §3.2 "Read (Resolve)") turns the ``:`` after the host into
``/``, percent-decodes the port, prefixes ``https://`` and, because the DID has a path, appends
``/did.json``: so ``did:web:zs.example.cn:authorities:430000`` resolves to
``https://zs.example.cn/authorities/430000/did.json`` — the route phase 2 serves. (A bare host would
resolve to ``/.well-known/did.json``; we never use one: one document per authority.)

The document lists **every** key of the authority in the public key set as a ``Multikey`` verification
method (Controlled Identifiers v1.0 §2.2.2) whose fragment is the existing kid. Statement keys are also in
``assertionMethod`` — including retired ones: a verifier checks the proof purpose against that list
(Controlled Identifiers v1.0 §3.3 "Retrieve Verification Method": a method not associated with the
relationship named by ``proofPurpose`` is an error), and a retired key must still verify what it signed
before retirement. Retirement is not a security event, so it gets no ``expires`` (CID §2.2
defines ``expires`` as the time after which *no* proof verifies, which would void every certificate the key
ever signed). Log keys are listed but not in ``assertionMethod``: they sign checkpoints, never credentials.

A compromised key carries ``revoked`` (CID §2.2: proofs made at or after it do not verify). Our key set
decides compromise per calendar day in China Standard Time (``keys.keyinfo``): the whole day of the
compromise counts, and scope ``all`` distrusts the key from its first moment. ``revoked`` says the same
thing as an instant: the start (00:00 UTC+8) of the compromise day, or ``valid_from`` for scope ``all``.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Final
from urllib.parse import unquote, urlsplit

from keys.keyinfo import PROVINCE_TZ, province_day
from keys.keyset import KeySet, PublicKeyInfo
from registry.credentials.errors import MalformedCredentialError
from registry.credentials.jcs import JsonObject, JsonValue
from registry.credentials.multibase import ed25519_multikey
from registry.credentials.proof import ASSERTION_METHOD, format_datetime

DID_CONTEXT: Final = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT: Final = "https://w3id.org/security/multikey/v1"
_AUTHORITY_CODE: Final = re.compile(r"[0-9A-Za-z]{1,16}")
_HOST: Final = re.compile(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?")
_SEGMENT: Final = re.compile(r"[A-Za-z0-9._~-]+")


def authority_did(public_url: str, authority_code: str) -> str:
    """The did:web of ``authority_code`` for a service at ``public_url``.

    Raises ``ValueError`` for a ``public_url`` that is not an absolute http(s) URL with a lower-case host,
    or an authority code that is not 1–16 letters and digits (settings and codes are checked before this).
    """
    if not _AUTHORITY_CODE.fullmatch(authority_code):
        raise ValueError(f"authority code {authority_code!r} is not 1-16 letters and digits")
    parts = urlsplit(public_url)
    if parts.scheme not in ("http", "https") or not _HOST.fullmatch(parts.netloc) or parts.query or parts.fragment:
        raise ValueError(f"PUBLIC_URL {public_url!r} is not an absolute http(s) URL with a lower-case host")
    segments = [segment for segment in parts.path.split("/") if segment]
    if not all(_is_segment(segment) for segment in segments):
        raise ValueError(f"PUBLIC_URL path {parts.path!r} has characters a did:web segment cannot carry")
    host = parts.netloc.replace(":", "%3A")
    return ":".join(["did:web", host, *segments, "authorities", authority_code])


def did_document_url(did: str) -> str:
    """Where a did:web document is fetched from (did:web §3.2): ``https://`` + host + path + ``/did.json``,
    or ``/.well-known/did.json`` for a bare host. Raises :class:`MalformedCredentialError` for another DID."""
    if not did.startswith("did:web:") or "#" in did or "/" in did:
        raise MalformedCredentialError(f"不是 did:web 标识 / {did!r} is not a did:web DID")
    host, *segments = did.removeprefix("did:web:").split(":")
    host = unquote(host)
    if not _HOST.fullmatch(host) or not all(_is_segment(segment) for segment in segments):
        raise MalformedCredentialError(f"did:web 标识格式错误 / {did!r} has a malformed host or path")
    path = "/".join(segments) if segments else ".well-known"
    return f"https://{host}/{path}/did.json"


def _is_segment(segment: str) -> bool:
    return _SEGMENT.fullmatch(segment) is not None and segment not in (".", "..")


def verification_method_id(did: str, kid: str) -> str:
    """The verification method of key ``kid`` in the document of ``did``: the kid is the fragment."""
    return f"{did}#{kid}"


def revoked_at(info: PublicKeyInfo) -> datetime | None:
    """The ``revoked`` instant of a compromised key (see the module docstring), ``None`` otherwise."""
    if info.compromised_at is None:
        return None
    if info.compromise_scope == "all":
        return info.valid_from
    return datetime.combine(province_day(info.compromised_at), time(0, 0), tzinfo=PROVINCE_TZ)


def build_did_document(public_url: str, authority_code: str, keyset: KeySet) -> JsonObject:
    """The did:web document of ``authority_code``: its keys from ``keyset`` as Multikey verification
    methods (oldest first), statement keys in ``assertionMethod``, compromised keys with ``revoked``."""
    did = authority_did(public_url, authority_code)
    keys = sorted(
        (info for info in keyset.keys if info.authority == authority_code),
        key=lambda info: (info.valid_from, info.kid),
    )
    methods: list[JsonValue] = [_verification_method(did, info) for info in keys]
    assertion: list[JsonValue] = [verification_method_id(did, info.kid) for info in keys if info.purpose == "statement"]
    return {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": methods,
        ASSERTION_METHOD: assertion,
    }


def _verification_method(did: str, info: PublicKeyInfo) -> JsonObject:
    method: JsonObject = {
        "id": verification_method_id(did, info.kid),
        "type": "Multikey",
        "controller": did,
        "publicKeyMultibase": ed25519_multikey(info.raw_public_key),
    }
    revoked = revoked_at(info)
    if revoked is not None:
        method["revoked"] = format_datetime(revoked)
    return method
