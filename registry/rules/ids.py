"""Validators of identifiers: resident ID numbers (GB 11643) and unified social credit codes (GB 32100).

Each identifier has three functions: ``normalise_*`` (what a person typed → canonical form: NFKC, so
full-width digits become ASCII; spaces removed; upper case), ``check_*`` (canonical form → the first
:class:`Violation` or ``None``) and ``validate_*`` (normalise, check, return the canonical form or raise
:class:`RuleError`). ``check_*`` is strict on purpose: a lower-case ``x`` is a format error there, so stored
values are always canonical. Occupation codes, levels and dates are in :mod:`registry.rules.formats`.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Final

from registry.rules.checkdigits import USCC_ALPHABET, mod11_2, org_code_check_char, uscc_check_char
from registry.rules.errors import RuleError, Violation, accepted
from registry.rules.formats import (
    check_iso_date,
    check_level,
    check_occupation_code,
    normalise_occupation_code,
    parse_iso_date,
    parse_level,
    validate_occupation_code,
)
from registry.rules.messages import violation
from registry.rules.regions import is_plausible_address_code

_RESIDENT_ID: Final = re.compile(r"[0-9]{17}[0-9X]")
_EARLIEST_BIRTH: Final = date(1900, 1, 1)
#: GB 11643-1999 §5.4: the order code numbers the people born on one day in one area, from 001.
UNASSIGNED_ORDER: Final = "000"
_USCC: Final = re.compile(f"[{USCC_ALPHABET}]{{18}}")

#: GB 32100-2015 table 1 and later assignments: registration authority → organisation types it registers.
USCC_ORG_TYPES: Final[dict[str, frozenset[str]]] = {
    "1": frozenset("1239"),  # 机构编制: 机关, 事业单位, 中央编办管理的群众团体, 其他
    "2": frozenset("19"),  # 外交
    "3": frozenset("123459"),  # 司法行政: 律师事务所, 公证处, 基层法律服务所, 司法鉴定机构, 仲裁委员会, 其他
    "4": frozenset("19"),  # 文化
    "5": frozenset("1239"),  # 民政: 社会团体, 民办非企业单位, 基金会, 其他
    "6": frozenset("129"),  # 旅游
    "7": frozenset("129"),  # 宗教
    "8": frozenset("19"),  # 工会
    "9": frozenset("123"),  # 市场监管（工商）: 企业, 个体工商户, 农民专业合作社
    "A": frozenset("19"),  # 中央军委改革和编制办公室
    "N": frozenset("1239"),  # 农业农村: 组级, 村级, 乡镇级集体经济组织, 其他
    "Y": frozenset("1"),  # 其他
}


def _canonical(value: str) -> str:
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()


def normalise_resident_id(value: str) -> str:
    """The canonical form of a typed resident ID: NFKC, whitespace removed, ``x`` → ``X``. Never raises."""
    return _canonical(value)


def resident_id_check_char(first17: str) -> str:
    """The GB 11643 check character (MOD 11-2) of the first 17 digits; ``ValueError`` on non-digits."""
    return mod11_2(first17)


def check_resident_id(value: str, *, today: date) -> Violation | None:
    """The first problem of a canonical 18-character resident ID number, or ``None`` when it is valid.

    Checked in order: shape (``id.format``), address code (``id.region``, see :mod:`registry.rules.regions`
    for why only the prefix), birth date (``id.birth_date``: a real date, from 1900 and not after ``today``),
    check character (``id.checksum``), order code (``id.order``: digits 15–17 number the people born on one
    day in one area from 001, GB 11643-1999 §5.4, so ``000`` is never assigned). The order code comes after
    the check character so that a number Excel rounded (last three digits ``000``) keeps reading as a wrong
    check character, which the upload checks name as rounding. 15-digit first-generation IDs are not
    accepted: they expired in 2013.
    """
    if not _RESIDENT_ID.fullmatch(value):
        return violation("id.format", field="id_number")
    if not is_plausible_address_code(value[:6]):
        return violation("id.region", field="id_number", region=value[:6])
    why = birth_date_fault(value[6:14], today)
    if why is not None:
        return violation("id.birth_date", field="id_number", why_zh=why[0], why_en=why[1])
    expected = mod11_2(value[:17])
    if value[17] != expected:
        return violation("id.checksum", field="id_number", expected=expected)
    if value[14:17] == UNASSIGNED_ORDER:
        return violation("id.order", field="id_number")
    return None


def birth_date_fault(text: str, today: date) -> tuple[str, str] | None:
    """Why the ``YYYYMMDD`` birth date of an ID-number layout is impossible (Chinese, English), or ``None``.

    A birth date is a real calendar date from 1900 and not after ``today``. Shared by every document whose
    number carries a birth date (resident IDs, residence permits, the 18-digit foreigner's permit).
    """
    try:
        born = date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return ("不是真实日期", "no such date")
    if born < _EARLIEST_BIRTH:
        return ("早于1900年", "before 1900")
    if born > today:
        return ("晚于今天", "in the future")
    return None


def validate_resident_id(value: str, *, today: date) -> str:
    """Normalise and check a typed resident ID; return the canonical form or raise :class:`RuleError`."""
    canonical = normalise_resident_id(value)
    return accepted(canonical, check_resident_id(canonical, today=today))


def birth_date_of(resident_id: str) -> date:
    """The birth date encoded in a (valid) resident ID; :class:`RuleError` ``id.birth_date`` if it is none."""
    try:
        return date(int(resident_id[6:10]), int(resident_id[10:12]), int(resident_id[12:14]))
    except ValueError:
        raise RuleError(violation("id.birth_date", why_zh="不是真实日期", why_en="no such date")) from None


def mask_resident_id(value: str) -> str:
    """The public form of an ID number: first 6 and last 4 shown, the 8 between as ``*``.

    The public pages show exactly this (``430102********123X``). Raises :class:`RuleError` ``id.format`` when
    the normalised value is not 18 characters, so a malformed value is never half-masked.
    """
    canonical = normalise_resident_id(value)
    if not _RESIDENT_ID.fullmatch(canonical):
        raise RuleError(violation("id.format", field="id_number"))
    return f"{canonical[:6]}{'*' * 8}{canonical[14:]}"


def normalise_uscc(value: str) -> str:
    """The canonical form of a typed unified social credit code (NFKC, no whitespace, upper case)."""
    return _canonical(value)


def check_uscc(value: str) -> Violation | None:
    """The first problem of a canonical unified social credit code, or ``None`` when it is valid.

    Checked in order: 18 characters of the GB 32100 alphabet (``uscc.format``), registration authority
    (``uscc.authority``) and organisation type (``uscc.org_type``) from :data:`USCC_ORG_TYPES`, six digits of
    region (``uscc.region``), the GB 11714 organisation code of positions 9–17 (``uscc.org_code``), and the
    check character (``uscc.checksum``).
    """
    if not _USCC.fullmatch(value):
        return violation("uscc.format", field="uscc")
    return _uscc_structure_problem(value) or _uscc_check_problem(value)


def _uscc_structure_problem(value: str) -> Violation | None:
    types = USCC_ORG_TYPES.get(value[0])
    if types is None:
        return violation("uscc.authority", field="uscc", value=value[0])
    if value[1] not in types:
        return violation("uscc.org_type", field="uscc", value=value[:2])
    if not value[2:8].isdigit():
        return violation("uscc.region", field="uscc")
    return None


def _uscc_check_problem(value: str) -> Violation | None:
    if org_code_check_char(value[8:16]) != value[16]:
        return violation("uscc.org_code", field="uscc")
    expected = uscc_check_char(value[:17])
    if value[17] != expected:
        return violation("uscc.checksum", field="uscc", expected=expected)
    return None


def validate_uscc(value: str) -> str:
    """Normalise and check a typed credit code; return the canonical form or raise :class:`RuleError`."""
    canonical = normalise_uscc(value)
    return accepted(canonical, check_uscc(canonical))


__all__ = [
    "USCC_ORG_TYPES",
    "birth_date_fault",
    "birth_date_of",
    "check_iso_date",
    "check_level",
    "check_occupation_code",
    "check_resident_id",
    "check_uscc",
    "mask_resident_id",
    "normalise_occupation_code",
    "normalise_resident_id",
    "normalise_uscc",
    "parse_iso_date",
    "parse_level",
    "resident_id_check_char",
    "validate_occupation_code",
    "validate_resident_id",
    "validate_uscc",
]
