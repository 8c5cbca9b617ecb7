"""Enums whose members carry the Chinese label the operator reads, declared once beside their wire value.

A member is declared ``NAME = "value", "标签"``: the value stays the stable wire and database string, and
``member.label_zh`` is its label (used in messages, reports and console pages). One declaration instead of
an enum plus a label table that must be kept in step with it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class LabelledEnum(StrEnum):
    """A :class:`StrEnum` whose members are declared as ``(value, label_zh)`` pairs."""

    _value_: str
    label_zh: str

    # ``label_zh`` has a default only so that a lookup by value, ``Role("institution")``, type-checks: the
    # enum machinery sends lookups elsewhere, and a member declared without its label is refused here.
    def __new__(cls, value: str, label_zh: str = "") -> Self:
        if not label_zh:
            raise TypeError(f"{cls.__name__} member {value!r} needs a label: NAME = {value!r}, '标签'")
        member = str.__new__(cls, value)
        member._value_ = value
        member.label_zh = label_zh
        return member

    @classmethod
    def labels_zh(cls) -> dict[Self, str]:
        """Each member's label, for lookups by wire string (templates) and joined lists."""
        return {member: member.label_zh for member in cls}
