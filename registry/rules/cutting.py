"""Compiled numbering rules: cut a number into parts by position, and render parts into a number.

A rule is compiled once (cached on the rule, which is a frozen, hashable Struct) into steps with fixed
offsets and precompiled patterns; cutting is then one pass of slices and cheap checks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import lru_cache
from typing import Any, Final, NamedTuple

from registry.rules.checkdigits import mod11_2, mod37_2
from registry.rules.errors import RuleError
from registry.rules.messages import violation
from registry.rules.parts import NumberParts
from registry.rules.regions import is_region_code
from registry.rules.segments import (
    CheckSegment,
    InstitutionSegment,
    KindSegment,
    LevelSegment,
    LiteralSegment,
    NumberingRule,
    ProjectSegment,
    RegionSegment,
    Segment,
    SequenceSegment,
    YearSegment,
)

_NAMES: Final[dict[type, tuple[str, str]]] = {
    LiteralSegment: ("固定字符", "fixed text"),
    InstitutionSegment: ("机构代码", "institution code"),
    RegionSegment: ("行政区划代码", "region code"),
    YearSegment: ("年份", "year"),
    LevelSegment: ("等级", "level"),
    KindSegment: ("证书类别", "kind"),
    ProjectSegment: ("项目代码", "project code"),
    SequenceSegment: ("流水号", "sequence"),
    CheckSegment: ("校验码", "check character"),
}
_CHECKS: Final = {"mod11_2": mod11_2, "mod37_2": mod37_2}


class Step(NamedTuple):
    segment: Segment
    start: int
    end: int
    pattern: re.Pattern[str] | None


#: Reads one segment of a number (``text``) into ``found``, or raises the segment's :class:`RuleError`.
Reader = Callable[[str, date | None, dict[str, Any]], None]


class Plan(NamedTuple):
    rule: NumberingRule
    length: int
    steps: tuple[Step, ...]
    #: One reader per step, the segment's type and values settled when the rule is compiled: cutting a
    #: number is then one call a segment (telling the segment types apart at each cut was most of a cut:
    #: a legacy import cuts every row's number, issue 13).
    readers: tuple[Reader, ...]


@lru_cache(maxsize=256)
def compiled(rule: NumberingRule) -> Plan:
    """The cut plan of ``rule``: each segment's offsets and precompiled pattern."""
    steps, start = [], 0
    for segment in rule.segments:
        pattern = re.compile(segment.pattern) if isinstance(segment, InstitutionSegment | ProjectSegment) else None
        steps.append(Step(segment, start, start + segment.width, pattern))
        start += segment.width
    return Plan(rule, start, tuple(steps), tuple(_reader(rule, step) for step in steps))


def _digits(piece: str) -> bool:
    return piece.isascii() and piece.isdigit()


def _fault(text: str, step: Step) -> RuleError:
    zh, en = _NAMES[type(step.segment)]
    return RuleError(
        violation(
            "number.format",
            field="number",
            value=text,
            start=step.start + 1,
            end=step.end,
            segment_zh=zh,
            segment_en=en,
        )
    )


def _year_of(piece: str, rule: NumberingRule) -> int:
    if len(piece) == 4:
        return int(piece)
    first = rule.first_year
    return first + (int(piece) - first % 100) % 100


def cut(plan: Plan, text: str, today: date | None) -> NumberParts:
    """The parts of ``text`` under ``plan``; raises :class:`RuleError` at the first faulty segment."""
    if len(text) != plan.length:
        raise RuleError(violation("number.length", field="number", value=text, expected=plan.length))
    found: dict[str, Any] = {}
    for read in plan.readers:
        read(text, today, found)
    return NumberParts(kind=plan.rule.kind, **found)


def _reader(rule: NumberingRule, step: Step) -> Reader:
    """The reader of ``step``: fixed text must match, a code its pattern, a check character its algorithm,
    and the other segments are digits read by :func:`_digits_reader`."""
    segment, start, end = step.segment, step.start, step.end
    if isinstance(segment, LiteralSegment | KindSegment):
        expected = segment.text if isinstance(segment, LiteralSegment) else segment.char

        def read_fixed(text: str, today: date | None, found: dict[str, Any]) -> None:
            if text[start:end] != expected:
                raise _fault(text, step)

        return read_fixed
    if isinstance(segment, InstitutionSegment | ProjectSegment):
        fullmatch = step.pattern.fullmatch if step.pattern is not None else None
        name = "institution_code" if isinstance(segment, InstitutionSegment) else "project_code"

        def read_code(text: str, today: date | None, found: dict[str, Any]) -> None:
            piece = text[start:end]
            if fullmatch is None or not fullmatch(piece):
                raise _fault(text, step)
            found[name] = piece

        return read_code
    if isinstance(segment, CheckSegment):
        return lambda text, today, found: _read_check(segment, step, text)
    read_value = _digits_reader(rule, step)

    def read_digits(text: str, today: date | None, found: dict[str, Any]) -> None:
        piece = text[start:end]
        if not _digits(piece):
            raise _fault(text, step)
        read_value(text, piece, today, found)

    return read_digits


def _read_check(segment: CheckSegment, step: Step, text: str) -> None:
    try:
        expected = _CHECKS[segment.algorithm](text[: step.start])
    except ValueError:
        raise _fault(text, step) from None
    if text[step.start] != expected:
        raise RuleError(violation("number.checksum", field="number", value=text))


def _digits_reader(rule: NumberingRule, step: Step) -> Callable[[str, str, date | None, dict[str, Any]], None]:
    """What a segment of digits (region, year, level, sequence) checks and puts into the parts."""
    segment = step.segment
    values = segment.values if isinstance(segment, LevelSegment) else ""

    def read_region(text: str, piece: str, today: date | None, found: dict[str, Any]) -> None:
        region = piece.ljust(6, "0")
        if not is_region_code(region):
            raise _fault(text, step)
        found["region_code"] = region

    def read_year(text: str, piece: str, today: date | None, found: dict[str, Any]) -> None:
        year = _year_of(piece, rule)
        if year < rule.first_year or (today is not None and year > today.year):
            raise RuleError(violation("number.year", field="number", value=text, year=year))
        found["year"] = year

    def read_level(text: str, piece: str, today: date | None, found: dict[str, Any]) -> None:
        if piece not in values:
            raise RuleError(violation("number.level", field="number", value=text))
        found["level"] = int(piece)

    def read_sequence(text: str, piece: str, today: date | None, found: dict[str, Any]) -> None:
        if int(piece) == 0:
            raise RuleError(violation("number.sequence", field="number", value=text))
        found["sequence"] = int(piece)

    if isinstance(segment, RegionSegment):
        return read_region
    if isinstance(segment, YearSegment):
        return read_year
    if isinstance(segment, LevelSegment):
        return read_level
    assert isinstance(segment, SequenceSegment), "literal, kind, code and check segments are handled before"
    return read_sequence


def render(plan: Plan, parts: NumberParts) -> str:
    """The number of ``parts`` under ``plan``; raises :class:`RuleError` ``number.part`` for a misfit part."""
    out: list[str] = []
    for step in plan.steps:
        segment = step.segment
        if isinstance(segment, CheckSegment):
            out.append(_check_char(step, segment, "".join(out)))
        else:
            out.append(_piece(plan.rule, step, parts))
    return "".join(out)


def _check_char(step: Step, segment: CheckSegment, body: str) -> str:
    try:
        return _CHECKS[segment.algorithm](body)
    except ValueError:
        # A MOD 11-2 check after a segment that printed letters: the rule and its parts disagree.
        raise _misfit(step, body) from None


def _misfit(step: Step, value: object) -> RuleError:
    zh, en = _NAMES[type(step.segment)]
    return RuleError(violation("number.part", field="number", segment_zh=zh, segment_en=en, value=value))


def _piece(rule: NumberingRule, step: Step, parts: NumberParts) -> str:
    segment = step.segment
    if isinstance(segment, LiteralSegment):
        return segment.text
    if isinstance(segment, KindSegment):
        return segment.char
    if isinstance(segment, InstitutionSegment | ProjectSegment):
        code = parts.institution_code if isinstance(segment, InstitutionSegment) else parts.project_code
        if len(code) != segment.width or step.pattern is None or not step.pattern.fullmatch(code):
            raise _misfit(step, code)
        return code
    return _number_piece(rule, step, parts)


def _number_piece(rule: NumberingRule, step: Step, parts: NumberParts) -> str:
    segment = step.segment
    if isinstance(segment, RegionSegment):
        region = parts.region_code
        if not is_region_code(region) or (segment.width == 4 and not region.endswith("00")):
            raise _misfit(step, region)
        return region[: segment.width]
    if isinstance(segment, YearSegment):
        last = rule.first_year + 99 if segment.width == 2 else 9999
        if not rule.first_year <= parts.year <= last:
            raise _misfit(step, parts.year)
        return f"{parts.year % 10**segment.width:0{segment.width}d}"
    if isinstance(segment, LevelSegment):
        if not 0 <= parts.level <= 9 or str(parts.level) not in segment.values:
            raise _misfit(step, parts.level)
        return str(parts.level)
    assert isinstance(segment, SequenceSegment), "literal, kind, code and check segments are handled before"
    if not 1 <= parts.sequence < 10**segment.width:
        raise _misfit(step, parts.sequence)
    return f"{parts.sequence:0{segment.width}d}"
