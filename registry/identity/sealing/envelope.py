"""The sealed value: how a document number (or a photo) is stored, encrypted under a data key.

Layout (bytes, one database column)::

    version (1 byte, 0x01) | data key id (16) | nonce (24) | XChaCha20-Poly1305 ciphertext || tag (16)

The associated data is ``certreg:sealed:v1 NUL version | data key id NUL purpose NUL binding``: the header is
authenticated (a changed key id or version does not open), and so are the *purpose* (a document number cannot
be passed off as a photo) and the *binding*, which names what the value belongs to — for a document number
the owning row and the document type (:func:`seal_document_number`) — so a ciphertext copied onto another
row, or a row whose type column was changed, does not open. A sealed document number of 18 characters takes
75 bytes.

Errors: :class:`UnsupportedEnvelopeError` (too short, unknown version), :class:`UnknownDataKeyError` (the
ring lacks the key), :class:`TamperedCiphertextError` (anything else that fails to open). None names the
number, the binding or key material.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Final

from keys.aead import NONCE_BYTES, TAG_BYTES
from keys.kid import b64url_encode
from registry.identity.errors import UnsupportedEnvelopeError
from registry.identity.sealing.datakeys import DATA_KEY_ID_BYTES, DataKey
from registry.rules.document_types import DocumentType

VERSION: Final = 1
_HEADER_BYTES: Final = 1 + DATA_KEY_ID_BYTES
#: The shortest sealed value: header, nonce and tag around an empty plaintext (``certreg audit`` reads a
#: photo's first bytes only, this many).
MIN_SEALED_BYTES: Final = _HEADER_BYTES + NONCE_BYTES + TAG_BYTES
_DOMAIN: Final = b"certreg:sealed:v1"


class SealPurpose(StrEnum):
    """What a sealed value is; part of its associated data, so one cannot stand in for another."""

    DOCUMENT_NUMBER = "document_number"
    PHOTO = "photo"


def _aad(header: bytes, purpose: SealPurpose, binding: str) -> bytes:
    return b"\x00".join((_DOMAIN, header, purpose.value.encode("ascii"), binding.encode("utf-8")))


def seal(key: DataKey, plaintext: bytes, *, purpose: SealPurpose, binding: str) -> bytes:
    """``plaintext`` sealed under ``key`` for ``purpose``, bound to ``binding`` (a fresh random nonce)."""
    header = bytes([VERSION]) + key.raw_id
    return header + key.seal(plaintext, aad=_aad(header, purpose, binding))


def data_key_id(sealed: bytes) -> str:
    """The id of the data key a sealed value needs (read without decrypting, to load keys in bulk).

    Raises :class:`UnsupportedEnvelopeError` for a value too short or of an unknown version.
    """
    if not isinstance(sealed, bytes) or len(sealed) < MIN_SEALED_BYTES:
        raise UnsupportedEnvelopeError("密文长度不足 / a sealed value is shorter than its header, nonce and tag")
    if sealed[0] != VERSION:
        raise UnsupportedEnvelopeError(f"未知的密文版本{sealed[0]} / unknown sealed-value version {sealed[0]}")
    return b64url_encode(sealed[1:_HEADER_BYTES])


def open_sealed(key_for: Callable[[str], DataKey], sealed: bytes, *, purpose: SealPurpose, binding: str) -> bytes:
    """The plaintext of ``sealed``; ``key_for`` gives the data key of an id (e.g. :meth:`DataKeyRing.key`).

    Raises :class:`UnsupportedEnvelopeError`, whatever ``key_for`` raises for an unknown id, or
    :class:`TamperedCiphertextError`.
    """
    key = key_for(data_key_id(sealed))
    header = sealed[:_HEADER_BYTES]
    return key.open_value(sealed[_HEADER_BYTES:], aad=_aad(header, purpose, binding))


def _number_binding(document_type: DocumentType, row: str) -> str:
    return f"{row}\x00{document_type.value}"


def seal_document_number(key: DataKey, document_type: DocumentType, number: str, *, row: str) -> bytes:
    """A canonical document number sealed for ``row`` (a stable id of the owning row, e.g. ``holder:…``)."""
    binding = _number_binding(document_type, row)
    return seal(key, number.encode("utf-8"), purpose=SealPurpose.DOCUMENT_NUMBER, binding=binding)


def open_document_number(
    key_for: Callable[[str], DataKey], sealed: bytes, document_type: DocumentType, *, row: str
) -> str:
    """The document number :func:`seal_document_number` sealed for this row and type (raises as
    :func:`open_sealed`)."""
    binding = _number_binding(document_type, row)
    return open_sealed(key_for, sealed, purpose=SealPurpose.DOCUMENT_NUMBER, binding=binding).decode("utf-8")
