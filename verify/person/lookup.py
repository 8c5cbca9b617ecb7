"""A typed person look-up checked at the edge and turned into the holder index (pure, no I/O).

The document number is validated with its type's validator (:func:`registry.rules.documents.check_document`;
``docs/rules.md`` Rules 14 and 15, the query itself is Rule 10's free public query) before anything is
looked up, so a malformed number is a precise 400 and never a query. What is looked up is the keyed index
:func:`registry.identity.index.document_digest`, the same value every stored
``certificate.holder_id_digest`` holds. The index itself never leaves the process: caches and rate limits
key on :func:`person_tag`, a further one-way hash of it, so a Redis dump cannot be joined with a database
dump on the index.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Final

import msgspec

from registry.identity.index import document_digest
from registry.rules.document_types import DocumentType
from registry.rules.documents import check_document, normalise_document_number
from registry.rules.errors import Violation
from registry.rules.messages import violation
from registry.rules.policy import ProvinceProfile

_TAG_PERSON: Final = b"certreg-person"
#: Longest document number accepted before any check (a passport has at most 17 characters).
MAX_ID_NUMBER: Final = 64


class PersonQuery(msgspec.Struct, frozen=True):
    """A checked look-up: the name as typed and the person's tag (never the number or the index)."""

    name: str
    tag: str
    digest: bytes

    def __repr__(self) -> str:  # the index never reaches a log line
        return f"PersonQuery(tag={self.tag!r})"


def person_tag(digest: bytes) -> str:
    """The name of a person in caches and rate limits: ``p:`` + 32 hex digits of BLAKE2b(index)."""
    return "p:" + hashlib.blake2b(digest, digest_size=16, person=_TAG_PERSON).hexdigest()


def document_type_of(profile: ProvinceProfile, value: str) -> DocumentType | Violation:
    """The type named by a wire value (``resident_id`` …) that the profile accepts, or why not."""
    try:
        document_type = DocumentType(value)
    except ValueError:
        return violation("document.type_unknown", field="id_type", value=value.strip()[:20])
    if document_type not in profile.document_types:
        return violation(
            "document.type_not_allowed", field="id_type", type_zh=document_type.label_zh, type_en=document_type.label_en
        )
    return document_type


def parse_person(
    profile: ProvinceProfile, secret: bytes, name: str, id_type: str, id_number: str, *, today: date
) -> PersonQuery | Violation:
    """Check a typed (name, type, number) and compute its index; the first :class:`Violation` otherwise."""
    document_type = document_type_of(profile, id_type)
    if isinstance(document_type, Violation):
        return document_type
    canonical = normalise_document_number(id_number[:MAX_ID_NUMBER])
    problem = check_document(document_type, canonical, today=today)
    if problem is not None:
        return problem
    digest = document_digest(secret, document_type, canonical)
    return PersonQuery(name=name, tag=person_tag(digest), digest=digest)
