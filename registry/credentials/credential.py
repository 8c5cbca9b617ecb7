"""The Open Badges 3.0 credential of a certificate (a W3C VC 2.0 ``OpenBadgeCredential``).

Built from :class:`CertificatePublicView` — what the public may know of a certificate, nothing more — as:

* ``@context`` VC 2.0 + OB 3.0 (context 3.0.3), ``type`` ``VerifiableCredential`` + ``OpenBadgeCredential``;
* ``issuer``: a ``Profile`` whose ``id`` is the issuing authority's did:web, with its Chinese name;
* ``validFrom``: the issue date, 00:00 China Standard Time;
* ``credentialSubject``: an ``AchievementSubject`` with ``licenseNumber`` = our certificate number, the
  assessing institution as ``source``, and the ``achievement``: kind, occupation or project (name and code),
  level in Chinese and English;
* the holder as an OB 3.0 ``IdentityObject`` of type ``name``, **salted-hashed** (``sha256$…`` with a random
  per-credential salt, OB 3.0 "IdentityObject" and "IdentityHash"). No ID number — not even masked or hashed:
  ID numbers have so little entropy (region, birth date, sequence) that any hash of one is the number.
  Whoever knows the holder's name checks it (``sha256(name ‖ salt)``); someone who only finds the
  credential does not read the name, and two credentials of one person are not linkable by it. A Chinese
  name has little entropy too, so this hides the name from casual reading and indexing, not from a
  determined guesser who already suspects whose it is;
* ``credentialStatus``: the certificate's entry in its authority's Bitstring Status List;
* ``credentialSchema``: the OB 3.0 AchievementCredential JSON schema.

The credential is signed with :func:`registry.credentials.signing.sign_as_authority` and stored as the exact
JCS bytes that were signed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date, datetime, time
from typing import Final

import msgspec

from keys.keyinfo import PROVINCE_TZ
from registry.credentials.did_web import authority_did
from registry.credentials.jcs import JsonObject, JsonValue
from registry.credentials.status_list import VC2_CONTEXT, StatusPosition, status_entry
from registry.vocab import KIND_LABELS_EN, KIND_LABELS_ZH, LEVEL_LABELS_EN, LEVEL_LABELS_ZH, CertificateKind

OB3_CONTEXT: Final = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB3_SCHEMA: Final = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
SALT_BYTES: Final = 16
_ACHIEVEMENT_TYPES: Final = {
    CertificateKind.QUALIFICATION: "Certification",
    CertificateKind.SKILL_LEVEL: "Certification",
    CertificateKind.SPECIAL_ABILITY: "Certificate",
}


class CertificatePublicView(msgspec.Struct, frozen=True, kw_only=True):
    """The public facts of one certificate that its credential states (no identity document at all)."""

    number: str
    kind: CertificateKind
    holder_name: str
    subject_type: str  # SubjectType value: occupation or project
    subject_code: str
    subject_name: str
    level: int  # 0: none (special ability)
    institution_code: str
    institution_name: str
    authority_code: str
    authority_name: str
    issued_on: date
    status: StatusPosition


def new_salt() -> str:
    """A fresh random salt for the holder's name hash (hex, 128 bits)."""
    return secrets.token_hex(SALT_BYTES)


def new_salts(count: int) -> list[str]:
    """``count`` fresh salts as :func:`new_salt` makes them, from one read of the system's random source:
    one read per salt was a tenth of the signing threads' time in a 100,000-credential issue (issue 12)."""
    pool = secrets.token_hex(SALT_BYTES * count)
    width = 2 * SALT_BYTES
    return [pool[start : start + width] for start in range(0, len(pool), width)]


def identity_hash(name: str, salt: str) -> str:
    """OB 3.0 IdentityHash of ``name`` with ``salt``: ``sha256$`` + hex SHA-256 of the UTF-8 of name ‖ salt."""
    return "sha256$" + hashlib.sha256((name + salt).encode("utf-8")).hexdigest()


def holder_identity(name: str, salt: str) -> JsonObject:
    """The ``IdentityObject`` of the holder: the salted hash of the name exactly as registered."""
    return {
        "type": "IdentityObject",
        "identityType": "name",
        "hashed": True,
        "identityHash": identity_hash(name, salt),
        "salt": salt,
    }


def names_holder(identity: JsonValue, name: str) -> bool:
    """Whether ``identity`` (an IdentityObject of a credential) is the salted hash of ``name``."""
    if not isinstance(identity, dict) or identity.get("identityType") != "name" or identity.get("hashed") is not True:
        return False
    salt, expected = identity.get("salt"), identity.get("identityHash")
    if not isinstance(salt, str) or not isinstance(expected, str):
        return False
    return hmac.compare_digest(identity_hash(name, salt), expected)


def level_labels(kind: CertificateKind, level: int) -> tuple[str, str] | None:
    """The level in Chinese and English, or ``None`` for no level (0, or a kind without levels).

    Raises ``ValueError`` for a level outside 0–5 (the registry never stores one).
    """
    if level not in LEVEL_LABELS_ZH:
        raise ValueError(f"level {level} is not 0-5")
    if not kind.has_level or level == 0:
        return None
    return LEVEL_LABELS_ZH[level], LEVEL_LABELS_EN[level]


def build_credential(view: CertificatePublicView, *, public_url: str, salt: str) -> JsonObject:
    """The unsigned OpenBadgeCredential of ``view`` for a service at ``public_url`` (see the module docstring).

    ``salt`` salts the holder's name hash: :func:`new_salt` at issue; tests pass a fixed one.
    """
    base = public_url.rstrip("/")
    return {
        "@context": [VC2_CONTEXT, OB3_CONTEXT],
        "id": f"{base}/v1/certificates/{view.number}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{KIND_LABELS_ZH[view.kind]} / {KIND_LABELS_EN[view.kind]}",
        "issuer": {
            "id": authority_did(public_url, view.authority_code),
            "type": ["Profile"],
            "name": view.authority_name,
        },
        "validFrom": valid_from(view.issued_on),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [holder_identity(view.holder_name, salt)],
            "licenseNumber": view.number,
            "achievement": _achievement(view, base),
            "source": {
                "id": f"{base}/institutions/{view.institution_code}",
                "type": ["Profile"],
                "name": view.institution_name,
            },
        },
        "credentialStatus": status_entry(public_url, view.authority_code, view.status),
        "credentialSchema": [{"id": OB3_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }


def valid_from(issued_on: date) -> str:
    """The issue date as a dateTimeStamp: its first moment in China Standard Time."""
    return datetime.combine(issued_on, time(0, 0), tzinfo=PROVINCE_TZ).isoformat()


def _achievement(view: CertificatePublicView, base: str) -> JsonObject:
    kind_zh, kind_en = KIND_LABELS_ZH[view.kind], KIND_LABELS_EN[view.kind]
    labels = level_labels(view.kind, view.level)
    subject = f"{view.subject_name}（{view.subject_code}）"
    if labels is None:
        name = view.subject_name
        description = f"{kind_zh}：{subject} / {kind_en}: {view.subject_code}"
        achievement_id = f"{base}/achievements/{view.subject_type}/{view.subject_code}"
    else:
        name = f"{view.subject_name} {labels[0]}"
        description = f"{kind_zh}：{subject}，{labels[0]} / {kind_en}: {view.subject_code}, {labels[1]}"
        achievement_id = f"{base}/achievements/{view.subject_type}/{view.subject_code}/{view.level}"
    return {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": _ACHIEVEMENT_TYPES[view.kind],
        "name": name,
        "description": description,
        "humanCode": view.subject_code,
        "criteria": {
            "narrative": (
                f"经{view.institution_name}考核合格，由{view.authority_name}核发。"
                " / Passed the assessment of a filed assessment institution; issued by the provincial"
                " or city skill-assessment centre named as issuer."
            )
        },
    }
