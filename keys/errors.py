"""Errors of the keys package.

Every failure is a typed error that says why (so a verifier can tell "bad signature" from "key compromised"),
and no message, repr or traceback argument ever carries private key material. Messages are bilingual
(Chinese / English) because operators and the public read them.
"""

from __future__ import annotations

from typing import Any, ClassVar


class KeysError(Exception):
    """Base class of every error the keys package raises on purpose."""


class ReasonCodedError(Exception):
    """An error with a stable ``reason`` code, the verdict a verifier reports for it. A subclass names its code
    in its header (``class UnknownKeyError(SignatureVerificationError, reason="unknown_key")``); one without
    keeps its parent's."""

    reason: ClassVar[str]

    def __init_subclass__(cls, reason: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if reason is not None:
            cls.reason = reason


class InvalidKeyError(KeysError):
    """Key material of the wrong length or type (a seed that is not 32 bytes, a bad public key)."""


class KeySetError(KeysError):
    """The public key set is not valid JSON, breaks the format, or breaks an invariant (duplicate kid …)."""


class KeyTransitionError(KeysError):
    """A life-cycle step that is impossible from the key's current state (retiring a retired key …)."""


class SignatureVerificationError(KeysError, ReasonCodedError, reason="verification_failed"):
    """A signature did not verify; the subclass says why and ``reason`` is its stable code."""


class MalformedInputError(SignatureVerificationError, reason="malformed_input"):
    """The kid, message or signature has the wrong type or length; nothing was looked up."""


class UnknownKeyError(SignatureVerificationError, reason="unknown_key"):
    """No key with this kid is in the key set."""


class WrongKeyPurposeError(SignatureVerificationError, reason="wrong_key_purpose"):
    """The kid names a key made for another purpose (a log key cannot vouch for a statement)."""


class WrongAuthorityError(SignatureVerificationError, reason="wrong_authority"):
    """The key belongs to another authority than the one the statement names: one authority's key (or its
    theft) must never vouch for another's certificates."""


class KeyNotValidAtDateError(SignatureVerificationError, reason="key_not_valid_at_date"):
    """The key did not exist yet, or was already retired, on the date the statement claims."""


class KeyCompromisedError(SignatureVerificationError, reason="key_compromised"):
    """The key is compromised for the claimed date (on or after the compromise day, or scope "all")."""


class BadSignatureError(SignatureVerificationError, reason="bad_signature"):
    """The signature does not match the message under the key: altered data or the wrong key."""


class KeyFileError(KeysError):
    """A sealed private-key file cannot be written or opened; the subclass says why."""


class KeyFileExistsError(KeyFileError):
    """Refused to overwrite an existing key file: that would destroy a private key."""


class WrongPassphraseError(KeyFileError):
    """The passphrase does not open this key file (or its KDF parameters were altered)."""


class CorruptKeyFileError(KeyFileError):
    """The key file is truncated, not JSON, or misses a field: it was damaged, not necessarily attacked."""


class TamperedKeyFileError(KeyFileError):
    """The passphrase is right but the sealed part or the clear header was changed after writing."""


class InsecureKeyFileError(KeyFileError):
    """The key file or its directory is readable by group or others, so we refuse to use it."""


class UnsupportedKdfError(KeyFileError):
    """The file asks for an unknown KDF or parameters beyond our caps (never more than 1 GiB of memory)."""


class DecryptionError(KeysError):
    """A value sealed under a secret key does not open: it, or the associated data it is bound to, was
    altered, or another key sealed it."""
