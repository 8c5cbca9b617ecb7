"""Certificate numbers issued before the registry: parse them under the rule they were issued under, and
compute where the registry's own counters must start so new numbers never collide with them.

NUMBERING.md, "Certificates issued before the registry": an imported certificate keeps its number and records
the rule it was issued under — one of the profile's segment rules (the national 22-character skill-level
layout, the 16-digit qualification layout, or a ``legacy_numbering`` rule), or a source's declared free
format (:mod:`registry.rules.freeformat`) — and is checked against that rule only, never renumbered. Neither
national layout has a check character: they are checked for structure, level (1–5) and year (from the
layout's first year, not after the import day), by :mod:`registry.rules.cutting` as any number is.

"A counter starts after the highest imported sequence in its scope": a new number can only equal an imported
one if the imported number parses under the *current* rule of some kind — every number that rule prints has
its shape. So for each imported number that parses under a current rule, the counter of its sequence scope
(:func:`registry.rules.numbering.sequence_scope`, the key the store's counter rows use) must hand out
numbers above its sequence; numbers that do not parse under a current rule can never collide.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import msgspec

from registry.rules.cutting import Plan, compiled, cut
from registry.rules.errors import RuleError
from registry.rules.freeformat import FreeFormat
from registry.rules.messages import violation
from registry.rules.numbering import normalise_number, sequence_scope
from registry.rules.parts import NumberParts
from registry.rules.policy import ProvinceProfile
from registry.rules.segments import NumberingRule
from registry.vocab import KIND_LABELS_EN, CertificateKind


class ImportedNumber(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """An accepted legacy number and the rule it was read under.

    ``rule`` is ``numbering`` (the profile's current rule of the kind), ``legacy:N`` (the N-th entry of
    ``legacy_numbering``) or ``free:SOURCE`` (a declared free format, whose numbers have no ``parts``).
    ``gc=False``: only immutable values in it, so no cycle can pass through it; untracked, the collector no
    longer walks the one made (or decoded) per row of a legacy import (issue 13).
    """

    number: str
    kind: CertificateKind
    rule: str
    parts: NumberParts | None = None


def _segment_rules(profile: ProvinceProfile, kind: CertificateKind) -> list[tuple[str, NumberingRule]]:
    rules = [("numbering", profile.numbering[kind])] if kind in profile.numbering else []
    legacy = [(f"legacy:{i}", r) for i, r in enumerate(profile.legacy_numbering) if r.kind is kind]
    return rules + legacy


class LegacyNumbers:
    """:func:`parse_legacy` under one profile for one source, each kind's rules (compiled) and free formats
    gathered once: a legacy import reads every row's number under the same few (issue 13)."""

    def __init__(self, profile: ProvinceProfile, source: str | None) -> None:
        self._profile, self._source = profile, source
        self._kinds: dict[CertificateKind, tuple[list[tuple[str, Plan]], list[FreeFormat]]] = {}

    def _of(self, kind: CertificateKind) -> tuple[list[tuple[str, Plan]], list[FreeFormat]]:
        found = self._kinds.get(kind)
        if found is None:
            profile = self._profile
            formats = [f for f in profile.legacy_formats if f.kind is kind and f.source == self._source]
            plans = [(name, compiled(rule)) for name, rule in _segment_rules(profile, kind)]
            found = self._kinds[kind] = (plans, formats)
        return found

    def parse(self, text: str, *, kind: CertificateKind, today: date) -> ImportedNumber:
        """:func:`parse_legacy` of ``text``."""
        canonical = normalise_number(text)
        plans, formats = self._of(kind)
        first_error: RuleError | None = None
        for name, plan in plans:
            try:
                return ImportedNumber(number=canonical, kind=kind, rule=name, parts=cut(plan, canonical, today))
            except RuleError as exc:
                first_error = first_error or exc
        free_problem = None
        for free in formats:
            problem = free.check(canonical)
            if problem is None:
                return ImportedNumber(number=canonical, kind=kind, rule=f"free:{free.source}")
            free_problem = free_problem or problem
        if free_problem is not None:
            raise RuleError(free_problem)
        if first_error is not None:
            raise first_error
        raise RuleError(violation("number.no_rule", field="kind", kind=KIND_LABELS_EN[kind]))


def parse_legacy(
    profile: ProvinceProfile, text: str, *, kind: CertificateKind, source: str | None = None, today: date
) -> ImportedNumber:
    """The imported number ``text`` of ``kind``, read under the profile's segment rules of that kind or the
    free formats the profile declares for ``source`` (the system the import comes from) and that kind.

    Raises :class:`RuleError` with the fault found by the source's first free format where it declares one,
    else by the first segment rule (``number.length``, ``number.format``, ``number.level``, ``number.year``
    …), else ``number.no_rule``. (Reading many numbers: :class:`LegacyNumbers`, the same answers.)
    """
    return LegacyNumbers(profile, source).parse(text, kind=kind, today=today)


def counter_floor(profile: ProvinceProfile, number: str) -> tuple[str, int] | None:
    """``(scope, next_value)``: the counter row of ``scope`` must hand out ``next_value`` or above, so no new
    number equals the imported ``number``; ``None`` when no current rule can print ``number``.

    Parsed without a date bound: a number the current rule could print in any year counts.
    """
    canonical = normalise_number(number)
    for rule in profile.numbering.values():
        plan = compiled(rule)
        if plan.length != len(canonical):
            continue
        try:
            parts = cut(plan, canonical, None)
        except RuleError:
            continue
        return sequence_scope(rule, parts), parts.sequence + 1
    return None


def counter_floors(profile: ProvinceProfile, numbers: Iterable[str]) -> dict[str, int]:
    """For every scope an imported number can collide in, the lowest ``next_value`` its counter may hold
    (one above the highest imported sequence). Phase 2 raises each counter row to at least this value."""
    floors: dict[str, int] = {}
    for number in numbers:
        found = counter_floor(profile, number)
        if found is not None:
            scope, next_value = found
            floors[scope] = max(floors.get(scope, 0), next_value)
    return floors
