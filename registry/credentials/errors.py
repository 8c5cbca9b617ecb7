"""Errors of the standards credentials: one base class, a stable ``reason`` code per failure.

A foreign credential is outside input: every way it can be wrong is a subclass here, so a route maps it to
a 4xx (or a verdict) and never to a 500. Messages are bilingual and carry no personal data (a holder's name
never appears in a message: only field names, URLs and key ids do).
"""

from __future__ import annotations

from keys.errors import ReasonCodedError
from registry.errors import RegistryError


class CredentialError(RegistryError, ReasonCodedError, reason="invalid_credential"):
    """Base class; ``reason`` is the stable verdict code of the subclass."""


class CanonicalizationError(CredentialError, reason="not_canonicalizable"):
    """A value has no RFC 8785 form: NaN or infinity, an integer beyond ±(2**53 − 1), a lone surrogate,
    a non-string key, or a type JSON does not have."""


class MalformedCredentialError(CredentialError, reason="malformed_credential"):
    """Not JSON, a duplicate member name, not an object, or a field of the wrong type or form."""


class UnsupportedProofError(CredentialError, reason="unsupported_proof"):
    """The proof is not a single ``DataIntegrityProof`` with cryptosuite ``eddsa-jcs-2022`` for the
    expected purpose (a proof set or chain, another suite, another purpose)."""


class ContextMismatchError(CredentialError, reason="context_mismatch"):
    """The proof's ``@context`` is not a prefix of the document's ``@context`` (vc-di-eddsa §3.3.2 step 4)."""


class UnknownVerificationMethodError(CredentialError, reason="unknown_key"):
    """The ``verificationMethod`` names no key we know, or a key of another controller."""


class WrongKeyPurposeError(CredentialError, reason="wrong_key_purpose"):
    """The verification method exists but may not assert credentials (a log key, or one absent from the
    controller's ``assertionMethod``)."""


class KeyNotValidAtTimeError(CredentialError, reason="key_not_valid_at_date"):
    """The proof's ``created`` lies before the key existed or after it was retired."""


class KeyCompromisedError(CredentialError, reason="key_compromised"):
    """The proof was created at or after the key's ``revoked`` time (its compromise)."""


class ProofInFutureError(CredentialError, reason="proof_in_future"):
    """The proof claims to be created later than the verifier's clock allows."""


class BadProofSignatureError(CredentialError, reason="bad_signature"):
    """The Ed25519 signature does not match the canonical proof configuration and document."""


class IssuerMismatchError(CredentialError, reason="issuer_mismatch"):
    """The proof's verification method is not controlled by the credential's ``issuer``."""


class StatusListError(CredentialError, reason="invalid_status_list"):
    """A status list or status entry is malformed, too large, too small, or does not match its entry."""
