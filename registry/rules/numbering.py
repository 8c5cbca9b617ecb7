"""Certificate numbers: format, parse and validate them under a :class:`NumberingRule` (NUMBERING.md).

The verify path gets a bare number from the public and must reject a malformed one before any cache or
database look-up: :func:`parse_any` dispatches on length, cuts the number by position and checks each part
with precompiled patterns, so a bad number costs microseconds. Allocation (the counter rows) lives in the
store; this module gives it the counter key (:func:`sequence_scope`) and the bound (:func:`max_sequence`).
Segment checks are in :mod:`registry.rules.cutting`.
"""

from __future__ import annotations

import unicodedata
from datetime import date

import msgspec

from registry.rules.cutting import compiled, cut, render
from registry.rules.errors import NumberOverflowError, RuleError, Violation
from registry.rules.messages import violation
from registry.rules.parts import NumberParts, part_value
from registry.rules.policy import ProvinceProfile
from registry.rules.segments import NumberingRule
from registry.rules.views import InstitutionView
from registry.vocab import KIND_LABELS_EN, CertificateKind


def format_number(rule: NumberingRule, parts: NumberParts) -> str:
    """The number of ``parts`` under ``rule``.

    Raises :class:`NumberOverflowError` (``number.overflow``) when the sequence does not fit its width,
    and :class:`RuleError` ``number.part`` when another part does not fit its segment (an institution
    code of the wrong shape, a year outside the rule's window …).
    """
    if parts.kind is not rule.kind:
        raise RuleError(
            violation("number.part", field="kind", segment_zh="证书类别", segment_en="kind", value=parts.kind.value)
        )
    if parts.sequence > max_sequence(rule):
        raise _overflow(rule, parts, parts.sequence)
    return render(compiled(rule), parts)


def parse_number(rule: NumberingRule, text: str, *, today: date | None = None) -> NumberParts:
    """The parts of a canonical number under ``rule``; raises :class:`RuleError` naming the first fault.

    Codes: ``number.length``, ``number.format`` (a segment of wrong characters), ``number.level``,
    ``number.year`` (before the rule's first year, or after ``today``'s year when given),
    ``number.sequence`` (zero) and ``number.checksum``.
    """
    return cut(compiled(rule), text, today)


def validate_number(rule: NumberingRule, text: str, *, today: date | None = None) -> Violation | None:
    """The violation of a canonical number under ``rule``, or ``None`` when it is well formed."""
    try:
        cut(compiled(rule), text, today)
    except RuleError as exc:
        return exc.violation
    return None


def normalise_number(text: str) -> str:
    """What a person typed → canonical: NFKC, whitespace and format characters removed, upper case. Never
    raises. A number copied from a web page or a chat keeps its zero-width characters (U+200B, U+FEFF …,
    category Cf): invisible, no part of it, and the look-up said 'wrong length' of a number that looked right."""
    if not text.isascii():
        text = "".join(ch for ch in unicodedata.normalize("NFKC", text) if unicodedata.category(ch) != "Cf")
    return "".join(text.split()).upper()


def parse_any(profile: ProvinceProfile, text: str, *, today: date | None = None) -> tuple[CertificateKind, NumberParts]:
    """The kind and parts of a number typed by anyone, under the profile's current or legacy rules.

    Legacy rules keep numbers issued under a rule the province has since changed verifiable (NUMBERING.md
    guarantee 4); a number of a declared legacy free format (``profile.legacy_formats``) is accepted too,
    with its kind and no other parts. Raises :class:`RuleError`: ``number.length`` when no rule or free
    format has the number's length, otherwise the fault found by the first rule of that length.
    """
    canonical = normalise_number(text)
    first_error: RuleError | None = None
    for rule in (*profile.numbering.values(), *profile.legacy_numbering):
        plan = compiled(rule)
        if plan.length != len(canonical):
            continue
        try:
            return rule.kind, cut(plan, canonical, today)
        except RuleError as exc:
            first_error = first_error or exc
    for free in profile.legacy_formats:
        if free.check(canonical) is None:
            return free.kind, NumberParts(kind=free.kind)
    if first_error is not None:
        raise first_error
    lengths = sorted({compiled(rule).length for rule in (*profile.numbering.values(), *profile.legacy_numbering)})
    ranges = sorted({f"{f.min_length}-{f.max_length}" for f in profile.legacy_formats})
    expected = "/".join([*(str(length) for length in lengths), *ranges])
    raise RuleError(violation("number.length", field="number", value=canonical, expected=expected))


def max_sequence(rule: NumberingRule) -> int:
    """The largest sequence number the rule can print (``10**width - 1``); sequences start at 1."""
    return int(10**rule.sequence.length - 1)


def check_capacity(rule: NumberingRule, parts: NumberParts, *, last_issued: int, count: int) -> None:
    """Raise :class:`NumberOverflowError` unless ``count`` more numbers fit after ``last_issued``.

    The issuer calls this once per scope before a batch issues anything (NUMBERING.md guarantee 3), so an
    overflow stops the batch whole instead of half-way.
    """
    if last_issued + count > max_sequence(rule):
        raise _overflow(rule, parts, last_issued + count)


def _overflow(rule: NumberingRule, parts: NumberParts, needed: int) -> NumberOverflowError:
    scope, maximum = sequence_scope(rule, parts), max_sequence(rule)
    return NumberOverflowError(violation("number.overflow", scope=scope, maximum=maximum, needed=needed))


def sequence_scope(rule: NumberingRule, parts: NumberParts) -> str:
    """The counter key of the allocation scope of ``parts``: what the sequence restarts with.

    E.g. ``skill_level|institution=S000043000123|year=2025|level=3``. The key holds values, not the rule's
    shape, so a changed rule with the same scope continues the same counters and never reissues a number.
    """
    fields = "|".join(f"{name}={part_value(parts, name)}" for name in rule.sequence.scope)
    return f"{rule.kind.value}|{fields}"


def number_parts_for(
    profile: ProvinceProfile,
    kind: CertificateKind,
    *,
    institution: InstitutionView,
    authority_region: str,
    year: int,
    level: int | None,
    project_code: str | None,
    sequence: int,
) -> NumberParts:
    """The parts of a new number from the records: which segment value comes from which input.

    institution code ← ``institution.code``; region ← ``authority_region`` (the issuing authority's
    GB/T 2260 code: the city centre for special-ability certificates); year ← year of issue; level ← the
    level (``0`` for a kind without one); project ← the project code; sequence ← the allocated counter.
    Raises :class:`RuleError` ``number.no_rule`` when the profile has no rule for ``kind``.
    """
    profile.rule_for(kind)
    return NumberParts(
        kind=kind,
        institution_code=institution.code,
        region_code=authority_region,
        year=year,
        level=level or 0,
        project_code=project_code or "",
        sequence=sequence,
    )


def describe_rule(rule: NumberingRule) -> str:
    """A one-line English description of a rule, for logs and the operator CLI."""
    shape = " + ".join(f"{type(s).__name__.removesuffix('Segment').lower()}({s.width})" for s in rule.segments)
    return f"{KIND_LABELS_EN[rule.kind]}: {rule.length} characters = {shape}"


def rule_to_json(rule: NumberingRule) -> bytes:
    """The JSON form of a rule (the same form a profile file holds)."""
    return msgspec.json.encode(rule)
