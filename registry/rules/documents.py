"""Validators of holders' identity document numbers, one per :class:`DocumentType` (``docs/identity.md``).

Like :mod:`registry.rules.ids`: :func:`normalise_document_number` (what a person typed → canonical: NFKC, so
full-width letters, digits and brackets become ASCII; whitespace removed; upper case), :func:`check_document`
(canonical form → the first :class:`Violation` or ``None``) and :func:`validate_document` (both, returning the
canonical form or raising :class:`RuleError`). The rules, with their sources:

* 居民身份证 — GB 11643-1999, as :func:`registry.rules.ids.check_resident_id` (codes ``id.*``). A residence
  permit's or a foreigner's 18-digit number typed as a resident ID is refused as ``document.other_type``.
* 港澳居民来往内地通行证 — H (Hong Kong) or M (Macao) and 8 digits, the holder's lifelong number (card form
  of 2013); the 1999–2012 form adds 2 digits counting renewals (公安部《港澳居民来往内地通行证号码规则》).
* 台湾居民来往大陆通行证 — 8 digits, the lifelong number (since 25 Sep 2008, and the 2015 card); the older
  booklets add 2 digits of issue count and, from offices that kept it, the issuing office's code in brackets.
* 港澳台居民居住证 — 18 characters in the GB 11643 layout with address code 810000, 820000 or 830000, a birth
  date and the MOD 11-2 check (《港澳台居民居住证申领发放办法》, 2018).
* 护照 — letters and digits, 5 to 17 characters (ICAO 9303 document numbers are 9 characters, longer ones
  spill into the optional data; 17 is the bound Chinese systems commonly use). No check character: the
  machine-readable zone's check digit is not part of the number.
* 外国人永久居留身份证 — since 1 Dec 2023 18 characters: ``9``, the issuing province's code, a 3-digit
  nationality code, the birth date, a sequence and the MOD 11-2 check; earlier cards keep their 15
  characters, 3 letters (nationality) and 12 digits, checked for shape only.

No message repeats any part of the number.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Final, Literal

from registry.rules.checkdigits import mod11_2
from registry.rules.document_types import DocumentType, parse_document_type
from registry.rules.errors import RuleError, Violation, accepted
from registry.rules.ids import UNASSIGNED_ORDER, birth_date_fault, check_resident_id
from registry.rules.masks import mask_document
from registry.rules.messages import violation
from registry.rules.policy import ProvinceProfile
from registry.rules.regions import PROVINCE_PREFIXES, RESIDENCE_PERMIT_CODES

PASSPORT_MIN_LENGTH: Final = 5
PASSPORT_MAX_LENGTH: Final = 17
_FIELD: Final = "id_number"
_GB11643: Final = re.compile(r"[0-9]{17}[0-9X]")
_HK_MACAO: Final = re.compile(r"[HM][0-9]{8}(?:[0-9]{2})?")
_TAIWAN: Final = re.compile(r"[0-9]{8}(?:[0-9]{2}(?:\([0-9A-Z]\))?)?")
_PASSPORT: Final = re.compile(r"[A-Z0-9]+")
_FOREIGNER_OLD: Final = re.compile(r"[A-Z]{3}[0-9]{12}")
_FOREIGNER_NEW: Final = re.compile(r"9[0-9]{16}[0-9X]")

Gender = Literal["male", "female"]


def normalise_document_number(value: str) -> str:
    """The canonical form of a typed document number: NFKC, whitespace removed, upper case. Never raises."""
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()


def _resident_id(value: str, today: date) -> Violation | None:
    # check_resident_id accepts the permits' address codes (they share the layout); a number under one of
    # them is a residence permit, whatever else is wrong with it.
    if _GB11643.fullmatch(value) and value[:6] in RESIDENCE_PERMIT_CODES:
        return _other(DocumentType.RESIDENCE_PERMIT)
    return check_resident_id(value, today=today)


def _residence_permit(value: str, today: date) -> Violation | None:
    if not _GB11643.fullmatch(value):
        return violation("permit.format", field=_FIELD)
    if value[:6] not in RESIDENCE_PERMIT_CODES:
        return violation("permit.region", field=_FIELD)
    fault = _birth_and_check(value, today, ("permit.birth_date", "permit.checksum"))
    if fault is None and value[14:17] == UNASSIGNED_ORDER:  # the resident ID's rule: same layout, same numbering
        return violation("permit.order", field=_FIELD)
    return fault


def _hk_macao(value: str, today: date) -> Violation | None:
    return None if _HK_MACAO.fullmatch(value) else violation("hkmacao.format", field=_FIELD)


def _taiwan(value: str, today: date) -> Violation | None:
    return None if _TAIWAN.fullmatch(value) else violation("taiwan.format", field=_FIELD)


def _passport(value: str, today: date) -> Violation | None:
    if not _PASSPORT.fullmatch(value):
        return violation("passport.format", field=_FIELD)
    if not PASSPORT_MIN_LENGTH <= len(value) <= PASSPORT_MAX_LENGTH:
        return violation("passport.length", field=_FIELD, minimum=PASSPORT_MIN_LENGTH, maximum=PASSPORT_MAX_LENGTH)
    return None


def _foreigner(value: str, today: date) -> Violation | None:
    if _FOREIGNER_OLD.fullmatch(value):
        return None
    if not _FOREIGNER_NEW.fullmatch(value):
        return violation("foreigner.format", field=_FIELD)
    if value[1:3] not in PROVINCE_PREFIXES:
        return violation("foreigner.province", field=_FIELD)
    return _birth_and_check(value, today, ("foreigner.birth_date", "foreigner.checksum"))


def _birth_and_check(value: str, today: date, codes: tuple[str, str]) -> Violation | None:
    """Positions 7–14 (birth date) and 18 (MOD 11-2) of the GB 11643 layout, under the type's own codes."""
    why = birth_date_fault(value[6:14], today)
    if why is not None:
        return violation(codes[0], field=_FIELD, why_zh=why[0], why_en=why[1])
    if value[17] != mod11_2(value[:17]):
        return violation(codes[1], field=_FIELD)
    return None


def _other(document_type: DocumentType) -> Violation:
    return violation(
        "document.other_type", field=_FIELD, type_zh=document_type.label_zh, type_en=document_type.label_en
    )


_CHECKS: Final[dict[DocumentType, Callable[[str, date], Violation | None]]] = {
    DocumentType.RESIDENT_ID: _resident_id,
    DocumentType.HK_MACAO_PERMIT: _hk_macao,
    DocumentType.TAIWAN_PERMIT: _taiwan,
    DocumentType.RESIDENCE_PERMIT: _residence_permit,
    DocumentType.PASSPORT: _passport,
    DocumentType.FOREIGN_PERMANENT_RESIDENT: _foreigner,
}
#: Types whose numbers have a shape no other type shares, so a number of one typed under another type can
#: be named (``document.other_type``). Passports and Taiwan permits overlap other shapes: never guessed.
_DISTINCT: Final = (
    DocumentType.RESIDENT_ID,
    DocumentType.RESIDENCE_PERMIT,
    DocumentType.FOREIGN_PERMANENT_RESIDENT,
    DocumentType.HK_MACAO_PERMIT,
)


def check_document(document_type: DocumentType, value: str, *, today: date) -> Violation | None:
    """The first problem of a canonical number of ``document_type``, or ``None`` when it is valid.

    Codes: ``document.empty``; the type's own codes (``id.*``, ``permit.*``, ``hkmacao.format``,
    ``taiwan.format``, ``passport.*``, ``foreigner.*``); ``document.other_type`` when the number is not
    valid for its type but is a valid number of another type with a shape of its own.
    """
    if not value:
        return violation("document.empty", field=_FIELD)
    problem = _CHECKS[document_type](value, today)
    if problem is None or problem.code == "document.other_type":
        return problem
    for other in _DISTINCT:
        if other is not document_type and _CHECKS[other](value, today) is None:
            return _other(other)
    return problem


def validate_document(document_type: DocumentType, value: str, *, today: date) -> str:
    """Normalise and check a typed number; return the canonical form or raise :class:`RuleError`."""
    canonical = normalise_document_number(value)
    return accepted(canonical, check_document(document_type, canonical, today=today))


def lifelong_number(document_type: DocumentType, canonical: str) -> str:
    """The part of a valid canonical number that names the holder for life (what the look-up index keys on).

    A renewed Hong Kong/Macao permit of the old form changes its last two digits, and an old Taiwan permit
    its issue count and office code; the holder's lifelong number (H/M + 8 digits, or 8 digits) does not,
    so a renewed permit still finds the same holder. Every other type: the whole number.
    """
    if document_type is DocumentType.HK_MACAO_PERMIT:
        return canonical[:9]
    if document_type is DocumentType.TAIWAN_PERMIT:
        return canonical[:8]
    return canonical


def implied_gender(document_type: DocumentType, canonical: str) -> Gender | None:
    """The gender a valid number encodes (odd 17th digit: male), or ``None`` for a type that encodes none.

    Resident IDs, residence permits and 18-character foreigners' permits keep GB 11643's sequence digit.
    """
    if document_type in _GENDERED and len(canonical) == 18:
        return "male" if int(canonical[16]) % 2 else "female"
    return None


_GENDERED: Final = frozenset(
    {DocumentType.RESIDENT_ID, DocumentType.RESIDENCE_PERMIT, DocumentType.FOREIGN_PERMANENT_RESIDENT}
)


@dataclass(frozen=True, slots=True)
class HolderDocument:
    """A holder's checked document: type, canonical number, masked form and the lifelong part.

    ``number`` and ``lifelong`` are left out of the ``repr``, so logging the object never logs the number.
    """

    document_type: DocumentType
    number: str = field(repr=False)
    masked: str
    lifelong: str = field(repr=False)


def holder_document(profile: ProvinceProfile, type_cell: str | None, number: str, *, today: date) -> HolderDocument:
    """One upload row's (or API item's) document: type cell parsed (empty → resident ID), type accepted by
    the profile, number validated and masked. Raises :class:`RuleError` with the first violation
    (``document.type_unknown``, ``document.type_not_allowed``, or a number code of :func:`check_document`).
    """
    document_type = parse_document_type(type_cell)
    if document_type not in profile.document_types:
        raise RuleError(
            violation(
                "document.type_not_allowed",
                field="id_type",
                type_zh=document_type.label_zh,
                type_en=document_type.label_en,
            )
        )
    canonical = validate_document(document_type, number, today=today)
    return HolderDocument(
        document_type=document_type,
        number=canonical,
        masked=mask_document(document_type, canonical),
        lifelong=lifelong_number(document_type, canonical),
    )
