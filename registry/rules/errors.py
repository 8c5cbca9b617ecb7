"""What a broken rule looks like: a :class:`Violation` (data) and a :class:`RuleError` (the raised form).

A violation carries a stable machine code (``id.checksum``, ``scope.not_filed`` …), the rule of docs/rules.md it
enforces where there is one, and a message in Chinese and English. Codes never change meaning once shipped:
clients, metrics and row-level batch reports key on them. The texts live in :mod:`registry.rules.messages`.
"""

from __future__ import annotations

import msgspec

from registry.errors import RegistryError, SequenceOverflowError


class Violation(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One broken rule: what (``code``), why (the messages), and which rule of docs/rules.md (``rule``)."""

    code: str
    message_zh: str
    message_en: str
    #: The rule number of docs/rules.md ("1" … "13"), or ``None`` for a plain format check.
    rule: str | None = None
    #: The input field the violation is about (``level``, ``occupation`` …), when one is.
    field: str | None = None

    def __str__(self) -> str:
        return f"{self.code}: {self.message_zh} / {self.message_en}"


class RuleError(RegistryError):
    """Raised by the ``validate_*``/``parse_*`` functions; ``violation`` says what was wrong."""

    def __init__(self, violation: Violation) -> None:
        super().__init__(str(violation))
        self.violation = violation

    @property
    def code(self) -> str:
        """The stable code of the violation (shortcut for ``error.violation.code``)."""
        return self.violation.code


def accepted(canonical: str, problem: Violation | None) -> str:
    """``canonical`` when its check found no ``problem``, else :class:`RuleError` carrying it: how every
    ``validate_*`` function turns its ``check_*`` verdict into a value or a raise."""
    if problem is not None:
        raise RuleError(problem)
    return canonical


class NumberOverflowError(SequenceOverflowError, RuleError):
    """A certificate sequence would not fit its width (NUMBERING.md guarantee 3); code ``number.overflow``.

    It is both a :class:`registry.errors.SequenceOverflowError` (what the issuer stops a batch on) and a
    :class:`RuleError` (so it carries the bilingual violation).
    """

    def __init__(self, violation: Violation) -> None:
        RuleError.__init__(self, violation)
