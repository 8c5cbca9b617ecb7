"""A numbering rule as data: a sequence of fixed-width segments (NUMBERING.md, "Segments …").

Every segment has a fixed width, so a rule has one length and a number is cut into its parts by position;
a province changes its rule by editing JSON, not code. The segments are a tagged union (``"type"`` field),
so a profile file reads like ``{"type": "year", "width": 2}``. A rule is checked when it is built (or
decoded): a malformed rule raises ``ValueError`` (``msgspec.ValidationError`` when decoded).
"""

from __future__ import annotations

import re
from typing import Final, Literal

import msgspec

from registry.vocab import CertificateKind

#: The parts a sequence scope may name, each one the name of a segment that puts it into the number.
SCOPE_PARTS: Final = frozenset({"institution", "region", "year", "level", "project"})


class _Segment(msgspec.Struct, frozen=True, tag_field="type", forbid_unknown_fields=True):
    @property
    def width(self) -> int:
        return 1


class _LengthSegment(_Segment, frozen=True):
    """A segment as wide as its ``length``."""

    length: int

    @property
    def width(self) -> int:
        return self.length


class LiteralSegment(_Segment, frozen=True, tag="literal"):
    """Fixed text such as ``S`` or ``ZX``."""

    text: str

    @property
    def width(self) -> int:
        return len(self.text)


class InstitutionSegment(_LengthSegment, frozen=True, tag="institution"):
    """The issuing institution's code; ``pattern`` (a regular expression) says which codes fit."""

    pattern: str


class RegionSegment(_LengthSegment, frozen=True, tag="region"):
    """The GB/T 2260 code of the issuing authority: all 6 digits, or the first 4 (province + city)."""

    length: Literal[4, 6] = 6


class YearSegment(_LengthSegment, frozen=True, tag="year"):
    """The year of issue: 4 digits, or the last 2 (read back within the rule's 100-year window)."""

    length: Literal[2, 4] = 2


class LevelSegment(_Segment, frozen=True, tag="level"):
    """One digit of level; ``values`` lists the digits the rule allows (``0`` for "no level")."""

    values: str = "12345"


class KindSegment(_Segment, frozen=True, tag="kind"):
    """One character that stands for the certificate kind, set by the profile."""

    char: str


class ProjectSegment(_LengthSegment, frozen=True, tag="project"):
    """The special-ability project code; ``pattern`` says which codes fit."""

    pattern: str


class SequenceSegment(_LengthSegment, frozen=True, tag="sequence"):
    """The zero-padded counter; ``scope`` names the parts it restarts with (e.g. institution, year, level)."""

    scope: tuple[str, ...]


class CheckSegment(_Segment, frozen=True, tag="check"):
    """A check character over everything before it: ISO 7064 MOD 11-2 (digits) or MOD 37-2 (alphanumeric)."""

    algorithm: Literal["mod11_2", "mod37_2"]


Segment = (
    LiteralSegment
    | InstitutionSegment
    | RegionSegment
    | YearSegment
    | LevelSegment
    | KindSegment
    | ProjectSegment
    | SequenceSegment
    | CheckSegment
)

_NAMED: Final[dict[type[_Segment], str]] = {
    InstitutionSegment: "institution",
    RegionSegment: "region",
    YearSegment: "year",
    LevelSegment: "level",
    ProjectSegment: "project",
}


def part_name(segment: Segment) -> str | None:
    """The :data:`SCOPE_PARTS` name a segment puts into the number, or ``None`` (literal, kind, sequence…)."""
    return _NAMED.get(type(segment))


class NumberingRule(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How certificates of one ``kind`` are numbered.

    ``first_year`` opens the 100-year window in which a 2-digit year is read (and no earlier year is
    possible). ``policy`` marks a rule that is our assumption rather than a published rule of the province.
    """

    kind: CertificateKind
    segments: tuple[Segment, ...]
    first_year: int
    policy: bool = False
    note: str = ""

    def __post_init__(self) -> None:
        _check_rule(self)

    @property
    def length(self) -> int:
        """The number of characters of every number under this rule."""
        return sum(segment.width for segment in self.segments)

    @property
    def sequence(self) -> SequenceSegment:
        """The rule's sequence segment (there is exactly one)."""
        return next(s for s in self.segments if isinstance(s, SequenceSegment))


def _check_rule(rule: NumberingRule) -> None:
    sequences = [s for s in rule.segments if isinstance(s, SequenceSegment)]
    if len(sequences) != 1:
        raise ValueError("a numbering rule has exactly one sequence segment")
    checks = [i for i, s in enumerate(rule.segments) if isinstance(s, CheckSegment)]
    if checks and checks != [len(rule.segments) - 1]:
        raise ValueError("a check segment can only be the last segment")
    named = {part_name(s) for s in rule.segments} - {None}
    if not set(sequences[0].scope) <= named:
        raise ValueError(f"sequence scope {sequences[0].scope} names parts the number does not hold")
    if not 1 <= sequences[0].length <= 9:
        raise ValueError("a sequence is 1 to 9 digits wide")
    for segment in rule.segments:
        _check_segment(segment)
    if not 1900 <= rule.first_year <= 2999:
        raise ValueError("first_year must be a plausible year of issue")


def _check_segment(segment: Segment) -> None:
    if isinstance(segment, InstitutionSegment | ProjectSegment):
        if segment.length < 1:
            raise ValueError("a code segment is at least one character wide")
        try:
            re.compile(segment.pattern)
        except re.error as exc:
            raise ValueError(f"bad pattern {segment.pattern!r}: {exc}") from None
    elif isinstance(segment, LiteralSegment) and not segment.text:
        raise ValueError("a literal segment needs text")
    elif isinstance(segment, KindSegment) and len(segment.char) != 1:
        raise ValueError("a kind segment is one character")
    elif isinstance(segment, LevelSegment) and (not segment.values or not set(segment.values) <= set("012345")):
        raise ValueError("level values are digits 0 to 5")
