"""Errors of the standards credentials: one base class, a stable ``reason`` code per failure.

A foreign credential is outside input: every way it can be wrong is a subclass here, so a route maps it to
a 4xx (or a verdict) and never to a 500. Messages are bilingual and carry no personal data (a holder's name
never appears in a message: only field names, URLs and key ids do).
"""

from __future__ import annotations

from typing import ClassVar

from registry.errors import RegistryError


class CredentialError(RegistryError):
    """Base class; ``reason`` is the stable verdict code of the subclass."""

    reason: ClassVar[str] = "invalid_credential"


class CanonicalizationError(CredentialError):
    """A value has no RFC 8785 form: NaN or infinity, an integer beyond ±(2**53 − 1), a lone surrogate,
    a non-string key, or a type JSON does not have."""

    reason: ClassVar[str] = "not_canonicalizable"


class MalformedCredentialError(CredentialError):
    """Not JSON, a duplicate member name, not an object, or a field of the wrong type or form."""

    reason: ClassVar[str] = "malformed_credential"


class UnsupportedProofError(CredentialError):
    """The proof is not a single ``DataIntegrityProof`` with cryptosuite ``eddsa-jcs-2022`` for the
    expected purpose (a proof set or chain, another suite, another purpose)."""

    reason: ClassVar[str] = "unsupported_proof"


class ContextMismatchError(CredentialError):
    """The proof's ``@context`` is not a prefix of the document's ``@context`` (vc-di-eddsa §3.3.2 step 4)."""

    reason: ClassVar[str] = "context_mismatch"


class UnknownVerificationMethodError(CredentialError):
    """The ``verificationMethod`` names no key we know, or a key of another controller."""

    reason: ClassVar[str] = "unknown_key"


class WrongKeyPurposeError(CredentialError):
    """The verification method exists but may not assert credentials (a log key, or one absent from the
    controller's ``assertionMethod``)."""

    reason: ClassVar[str] = "wrong_key_purpose"


class KeyNotValidAtTimeError(CredentialError):
    """The proof's ``created`` lies before the key existed or after it was retired."""

    reason: ClassVar[str] = "key_not_valid_at_date"


class KeyCompromisedError(CredentialError):
    """The proof was created at or after the key's ``revoked`` time (its compromise)."""

    reason: ClassVar[str] = "key_compromised"


class ProofInFutureError(CredentialError):
    """The proof claims to be created later than the verifier's clock allows."""

    reason: ClassVar[str] = "proof_in_future"


class BadProofSignatureError(CredentialError):
    """The Ed25519 signature does not match the canonical proof configuration and document."""

    reason: ClassVar[str] = "bad_signature"


class IssuerMismatchError(CredentialError):
    """The proof's verification method is not controlled by the credential's ``issuer``."""

    reason: ClassVar[str] = "issuer_mismatch"


class StatusListError(CredentialError):
    """A status list or status entry is malformed, too large, too small, or does not match its entry."""

    reason: ClassVar[str] = "invalid_status_list"
