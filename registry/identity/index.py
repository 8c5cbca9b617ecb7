"""The look-up index of holders: a keyed hash of (document type, lifelong number) (``docs/identity.md``).

The index is what duplicate checks, reissues and the public person look-up compare; the number itself is
stored only sealed. It is HMAC-SHA-256 under the id-hash key (``CERTREG_ID_HASH_KEY``), so the index of a
stolen database cannot be reversed by hashing every possible number without that key.

Type separation without breaking today's rows. Before document types existed the index of a resident ID was
``HMAC(key, number)`` (:func:`registry.holders.id_digest`), and a residence permit was accepted as a resident
ID (the two share the GB 11643 layout). Both therefore keep exactly that input: their numbers come from one
national number space and cannot collide (a permit's address code, 810000/820000/830000, is no resident's),
so every row stored so far keeps matching, whichever of the two types it is recorded under later. Every
other type hashes ``certreg:holder-index:v1 NUL type NUL number``: that input is never 18 characters of
digits and ``X``, so it can never equal a resident ID's, and the type inside it separates the other types
(a passport and a Taiwan permit may both be ``12345678``). The number hashed is the *lifelong* number
(:func:`registry.rules.documents.lifelong_number`), so a renewed permit still finds its holder.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Final

from registry.holders import id_digest
from registry.rules.document_types import DocumentType
from registry.rules.documents import HolderDocument, lifelong_number

#: Types hashed with the pre-type input, kept so existing rows keep matching (see the module docstring).
GB11643_TYPES: Final = frozenset({DocumentType.RESIDENT_ID, DocumentType.RESIDENCE_PERMIT})
_DOMAIN: Final = b"certreg:holder-index:v1"


def document_digest(secret: bytes, document_type: DocumentType, canonical: str) -> bytes:
    """The 32-byte index of a valid canonical number of ``document_type`` under the id-hash key ``secret``.

    Raises ``ValueError`` for an empty secret (settings require 16+ characters; this guards the call).
    """
    if not isinstance(secret, bytes) or not secret:
        raise ValueError("the id-hash key must be non-empty bytes")
    number = lifelong_number(document_type, canonical)
    if document_type in GB11643_TYPES:
        return id_digest(secret, number)
    message = b"\x00".join((_DOMAIN, document_type.value.encode("ascii"), number.encode("ascii")))
    return hmac.new(secret, message, hashlib.sha256).digest()


def holder_digest(secret: bytes, document: HolderDocument) -> bytes:
    """The index of a checked :class:`HolderDocument` (what upload rows and look-ups carry)."""
    return document_digest(secret, document.document_type, document.number)
