"""The feed's manifest: what was exported (range of events, counts, each file's SHA-256 and size), signed
with Ed25519 by the province key over ``certreg:feed-manifest:v1`` NUL + the manifest's canonical JSON
(sorted keys, no spaces). A receiver checks it with the province's public key from ``GET /v1/keys``."""

from __future__ import annotations

import base64
import hashlib
from typing import Any, Final

import msgspec
import nacl.exceptions
import nacl.signing

from keys.signing import SigningKey

DOMAIN: Final = b"certreg:feed-manifest:v1\x00"
FORMAT: Final = "certreg-national-feed-v1"


class FeedFile(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    sha256: str
    bytes: int
    records: int


class Manifest(msgspec.Struct, frozen=True, kw_only=True):
    format: str
    province: str
    since: int  # events after this id
    last_event: int  # the id to pass as --since next time
    created_at: str
    counts: dict[str, int]
    files: list[FeedFile]
    kid: str


class SignedManifest(msgspec.Struct, frozen=True, kw_only=True):
    manifest: Manifest
    signature: str  # base64 of the Ed25519 signature


def canonical(manifest: Manifest) -> bytes:
    """The bytes that are signed: JSON with sorted keys."""
    return msgspec.json.encode(msgspec.to_builtins(manifest), order="sorted")


def file_entry(name: str, data: bytes, records: int) -> FeedFile:
    return FeedFile(name=name, sha256=hashlib.sha256(data).hexdigest(), bytes=len(data), records=records)


def sign_manifest(manifest: Manifest, key: SigningKey) -> SignedManifest:
    signature = key.sign(DOMAIN + canonical(manifest))
    return SignedManifest(manifest=manifest, signature=base64.b64encode(signature).decode())


def verify_manifest(document: bytes, public_key: bytes) -> Manifest:
    """The manifest of a signed manifest file, if its signature verifies under ``public_key``.

    Raises ``ValueError`` for a malformed document or a signature that does not verify."""
    try:
        signed = msgspec.json.decode(document, type=SignedManifest)
        signature = base64.b64decode(signed.signature, validate=True)
        nacl.signing.VerifyKey(public_key).verify(DOMAIN + canonical(signed.manifest), signature)
    except (msgspec.DecodeError, msgspec.ValidationError, ValueError, nacl.exceptions.BadSignatureError) as exc:
        raise ValueError(f"manifest does not verify: {exc}") from None
    return signed.manifest


def as_json(value: Any) -> bytes:
    return msgspec.json.format(msgspec.json.encode(value), indent=2) + b"\n"
