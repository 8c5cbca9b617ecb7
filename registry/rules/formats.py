"""Validators of occupation codes, levels and dates (re-exported by :mod:`registry.rules.ids`).

Occupation codes follow the national occupational classification (职业分类大典, 2015 and 2022 editions):
``major-middle-minor-detail``, one digit then three pairs, e.g. ``6-31-01-03``. Many provincial systems and
filing forms (002 annex 1 has separate "职业编码" and "工种名称" columns) also number a trade (工种) inside an
occupation; we accept it as a fifth pair (``6-31-01-03-02``) so such a code round-trips, and
:func:`occupation_of` strips it when the catalogue is consulted.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from datetime import date
from typing import Final

from registry.rules.errors import RuleError, Violation, accepted
from registry.rules.messages import violation

_OCCUPATION: Final = re.compile(r"[1-8]-[0-9]{2}-[0-9]{2}-[0-9]{2}(?:-[0-9]{2})?")
_ISO_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: What separates the two names of a level (``四级/中级工``, ``三级（高级工）``, after NFKC).
_LEVEL_PARTS: Final = re.compile(r"[/()]")

#: Level names as they appear in filings and result sheets (002, 004) → level number.
LEVEL_NAMES: Final[dict[str, int]] = {
    "一级": 1,
    "高级技师": 1,
    "二级": 2,
    "技师": 2,
    "三级": 3,
    "高级工": 3,
    "高级": 3,
    "四级": 4,
    "中级工": 4,
    "中级": 4,
    "五级": 5,
    "初级工": 5,
    "初级": 5,
}


def normalise_occupation_code(value: str) -> str:
    """NFKC (full-width digits and hyphens become ASCII) with whitespace removed. Never raises."""
    return "".join(unicodedata.normalize("NFKC", value).split())


def check_occupation_code(value: str) -> Violation | None:
    """``occupation.format`` unless ``value`` is ``d-dd-dd-dd`` (major group 1–8), maybe with a trade."""
    if _OCCUPATION.fullmatch(value):
        return None
    return violation("occupation.format", field="occupation", value=value)


def validate_occupation_code(value: str) -> str:
    """Normalise and check an occupation code; return it or raise :class:`RuleError` ``occupation.format``."""
    canonical = normalise_occupation_code(value)
    return accepted(canonical, check_occupation_code(canonical))


def occupation_of(code: str) -> str:
    """The occupation part (first four groups) of a code that may carry a trade suffix."""
    return code[:10]


def check_level(value: int) -> Violation | None:
    """``level.range`` unless ``value`` is a level 1 (一级/高级技师) … 5 (五级/初级工)."""
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5:
        return None
    return violation("level.range", field="level", value=value)


def parse_level(value: int | str) -> int:
    """A level from a number, a digit string or a Chinese name (``三级``, ``高级工``, ``技师`` …), also as result
    sheets write it: ``4级``, or both names of the national standard (``四级/中级工``, ``三级（高级工）``, the
    registry's own label), which must then name the same level.

    Raises :class:`RuleError` ``level.range`` for anything else, and for two names of different levels.
    """
    if isinstance(value, str):
        text = "".join(unicodedata.normalize("NFKC", value).split())
        levels = {_named_level(part) for part in _LEVEL_PARTS.split(text) if part}
        if len(levels) != 1 or None in levels:
            raise RuleError(violation("level.range", field="level", value=value))
        (found,) = levels
        assert found is not None
        value = found
    problem = check_level(value)
    if problem is not None:
        raise RuleError(problem)
    return value


def _named_level(text: str) -> int | None:
    """One name of a level: ``三级``, ``高级工``, ``3`` or ``3级``; ``None`` for anything else."""
    if text in LEVEL_NAMES:
        return LEVEL_NAMES[text]
    digits = text.removesuffix("级")
    return int(digits) if digits.isascii() and digits.isdigit() else None


def check_iso_date(value: str) -> Violation | None:
    """``date.format`` unless ``value`` is a real calendar date written ``YYYY-MM-DD``."""
    try:
        parse_iso_date(value)
    except RuleError as exc:
        return exc.violation
    return None


def parse_iso_date(value: str, *, field: str = "date") -> date:
    """The date of ``YYYY-MM-DD`` text; :class:`RuleError` ``date.format`` otherwise.

    Stricter than :meth:`date.fromisoformat`, which also takes ``20250101`` and week dates: the registry
    stores and shows one form only.
    """
    text = value.strip()
    if _ISO_DATE.fullmatch(text):
        with contextlib.suppress(ValueError):  # shaped like a date but not one (2026-02-30): refused below
            return date.fromisoformat(text)
    raise RuleError(violation("date.format", field=field, value=value))  # built only when needed (legacy: 1M dates)
