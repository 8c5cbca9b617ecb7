"""Errors of holder identity: typed, so a caller tells a wrong key from an altered row from a missing key.

No message ever holds a document number, a name or key material: a message names the data key or
key-encryption key by id, and the purpose of the sealed value, nothing more.
"""

from __future__ import annotations

from registry.errors import RegistryError


class IdentityError(RegistryError):
    """Base class of the identity errors."""


class SealingError(IdentityError):
    """A sealed value or a wrapped data key could not be opened; the subclass says why."""


class UnsupportedEnvelopeError(SealingError):
    """The sealed value is too short or has a format version this code does not know."""


class UnknownDataKeyError(SealingError):
    """The sealed value names a data key that is not in the key ring (never created, or not loaded)."""


class TamperedCiphertextError(SealingError):
    """The sealed value does not open: its nonce or ciphertext was altered, or it was moved to another row,
    purpose or document type than the one it was sealed for."""


class WrongKekError(SealingError):
    """A data key is wrapped under another key-encryption key than the one given (e.g. a retired KEK)."""


class TamperedWrappedKeyError(SealingError):
    """A wrapped data key does not open under its own key-encryption key: the stored row was altered."""


class KekMissingError(IdentityError):
    """Data keys are stored but the key-encryption key file that wraps them is not where the settings say."""
