"""Enums whose members carry the labels people read, declared once beside their wire value.

A member is declared ``NAME = "value", "标签"`` or ``NAME = "value", "标签", "label"``: the value stays the
stable wire and database string, ``member.label_zh`` and ``member.label_en`` are what messages, reports and
console pages show (the English label defaults to the value with spaces for underscores). One declaration
instead of an enum plus a label table that must be kept in step with it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class LabelledEnum(StrEnum):
    """A :class:`StrEnum` whose members are declared as ``(value, label_zh[, label_en])``."""

    _value_: str
    label_zh: str
    label_en: str

    # ``label_zh`` has a default only so that a lookup by value, ``Role("institution")``, type-checks: the
    # enum machinery sends lookups elsewhere, and a member declared without its label is refused here.
    def __new__(cls, value: str, label_zh: str = "", label_en: str | None = None) -> Self:
        if not label_zh:
            raise TypeError(f"{cls.__name__} member {value!r} needs a label: NAME = {value!r}, '标签'")
        member = str.__new__(cls, value)
        member._value_ = value
        member.label_zh = label_zh
        member.label_en = value.replace("_", " ") if label_en is None else label_en
        return member

    @classmethod
    def labels_zh(cls) -> dict[Self, str]:
        """Each member's label, for lookups by wire string (templates) and joined lists."""
        return {member: member.label_zh for member in cls}

    @classmethod
    def labels_en(cls) -> dict[Self, str]:
        """Each member's English label, as :meth:`labels_zh`."""
        return {member: member.label_en for member in cls}
