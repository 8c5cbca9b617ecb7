"""Cell parsers for reference-data columns: each returns the typed value or raises :class:`CellError`.

Formats are the domain's validators (:mod:`registry.rules`), so a file cannot store a value the rules
would refuse elsewhere (``20200101`` as a date, ``999999`` as a region). A blank cell is an error unless
the column is optional, and then it means "not given" — never a default such as "no".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from enum import StrEnum
from typing import Any, Final, TypeVar

from registry.rules.errors import RuleError
from registry.rules.formats import check_occupation_code, parse_iso_date
from registry.rules.ids import check_uscc, normalise_uscc
from registry.rules.regions import is_region_code
from registry.vocab import KIND_LABELS_ZH, CertificateKind

E = TypeVar("E", bound=StrEnum)
Parser = Callable[[str], Any]

_TRUE = {"true", "1", "yes", "y", "是", "t"}
_FALSE = {"false", "0", "no", "n", "否", "f"}
_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,31}$")


class CellError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def text(max_length: int, *, required: bool = True) -> Parser:
    def parse(value: str) -> str:
        if required and not value:
            raise CellError("value.required", "必填 / required")
        if len(value) > max_length:
            raise CellError("value.too_long", f"超过 {max_length} 个字符 / longer than {max_length} characters")
        return value

    return parse


def optional_text(max_length: int) -> Parser:
    return text(max_length, required=False)


def code(value: str) -> str:
    if not _CODE.match(value):
        raise CellError("code.format", "编码只能含字母、数字、. _ - / a code is 1-32 letters, digits, . _ -")
    return value


def optional_code(value: str) -> str | None:
    """Like :func:`code`, but a blank cell means "not given" (``None``)."""
    return code(value) if value.strip() else None


def region_code(value: str) -> str:
    if not is_region_code(value):
        raise CellError(
            "region.format",
            f"行政区划代码应为已知省份下的 6 位数字（GB/T 2260）/ a region code is 6 digits under a known province "
            f"prefix (GB/T 2260); got {value!r}",
        )
    return value


def optional_region_code(value: str) -> str | None:
    return region_code(value) if value else None


def boolean(value: str) -> bool:
    """A yes/no cell; blank is an error, not "no" (a forgotten 准入类 must not pass as 否)."""
    lowered = value.strip().lower()
    if not lowered:
        raise CellError("value.required", "必填：是/否 / required: yes or no")
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise CellError("value.boolean", f"应为 是/否 或 true/false / expected yes/no or true/false, got {value!r}")


def optional_boolean(value: str) -> bool | None:
    """Like :func:`boolean`, but a blank cell means "not given" (``None``)."""
    return boolean(value) if value.strip() else None


def iso_date(value: str) -> date:
    """``YYYY-MM-DD`` only, by the domain's validator (``date.fromisoformat`` also takes ``20200101``)."""
    try:
        return parse_iso_date(value)
    except RuleError:
        raise CellError("date.format", f"日期格式应为 YYYY-MM-DD / expected a date YYYY-MM-DD, got {value!r}") from None


def optional_date(value: str) -> date | None:
    return iso_date(value) if value else None


def levels(value: str) -> str:
    """Levels as digits, e.g. ``345`` or ``3,4,5``; returned sorted without separators."""
    digits = re.sub(r"[\s,，、;/]", "", value)
    if not digits or not set(digits) <= set("12345") or len(set(digits)) != len(digits):
        raise CellError("level.range", f"等级应为 1-5 的数字，如 345 / levels are digits 1-5 such as 345: {value!r}")
    return "".join(sorted(digits))


def optional_levels(value: str) -> str:
    return levels(value) if value else ""


_KIND_NAMES: Final = {
    **{kind.value: kind for kind in CertificateKind},
    **{label: kind for kind, label in KIND_LABELS_ZH.items()},
    "职业资格": CertificateKind.QUALIFICATION,
    "职业技能等级": CertificateKind.SKILL_LEVEL,
    "专项职业能力": CertificateKind.SPECIAL_ABILITY,
}


def optional_kinds(value: str) -> frozenset[CertificateKind] | None:
    """The certificate kinds a scope row allows (rule 1), e.g. ``skill_level`` or ``职业资格证书、职业技能等级证书``;
    blank is "not given" (``None``: the row's subject type decides whether that is allowed)."""
    names = [name for name in re.split(r"[\s,，、;；/]+", value.strip()) if name]
    if not names:
        return None
    kinds = set()
    for name in names:
        kind = _KIND_NAMES.get(name.lower())
        if kind is None:
            allowed = ", ".join(k.value for k in CertificateKind)
            raise CellError(
                "kind.choice",
                f"证书类别应为 {allowed} 或其中文名称 / a certificate kind is one of {allowed}; got {name!r}",
            )
        kinds.add(kind)
    return frozenset(kinds)


def occupation_code(value: str) -> str:
    violation = check_occupation_code(value)
    if violation is not None:
        raise CellError(violation.code, f"{violation.message_zh} / {violation.message_en}")
    return value


def uscc(value: str) -> str:
    normalised = normalise_uscc(value)
    violation = check_uscc(normalised)
    if violation is not None:
        raise CellError(violation.code, f"{violation.message_zh} / {violation.message_en}")
    return normalised


def enum(kind: type[E]) -> Parser:
    allowed = ", ".join(member.value for member in kind)

    def parse(value: str) -> E:
        try:
            return kind(value.strip().lower())
        except ValueError:
            raise CellError("value.choice", f"应为以下之一 / expected one of: {allowed}; got {value!r}") from None

    return parse


def optional_enum(kind: type[E]) -> Parser:
    """Like :func:`enum`, but a blank cell means "not given" (``None``): the column is optional."""
    required = enum(kind)

    def parse(value: str) -> E | None:
        return required(value) if value.strip() else None

    return parse
