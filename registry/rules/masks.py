"""The public, masked form of a document number: a rule per type (``docs/identity.md``, "Masks").

The masked form is what the signed statement carries (its "masked holder ID") and what the public pages show,
so it must never reveal enough to rebuild the number, and it must stay *exactly* what it is today for a
resident ID (first 6 and last 4, ``430102********123X``): statements already signed carry that form.

Each rule keeps ``head`` characters at the start and ``tail`` at the end and replaces every character between
with ``*`` (the length is kept, so the holder recognises their document). Where the rule would hide less than
``min_hidden`` of the characters (short passports), the longer of the shown ends shrinks until it does.
"""

from __future__ import annotations

import math
from typing import Final, NamedTuple

from registry.rules.document_types import DocumentType
from registry.rules.errors import RuleError
from registry.rules.messages import violation


class MaskRule(NamedTuple):
    """Show ``head`` leading and ``tail`` trailing characters; hide at least ``min_hidden`` of them all."""

    head: int
    tail: int
    min_hidden: float = 0.0


#: Per type, a rule by number length (``None``: any other length).
MASK_RULES: Final[dict[DocumentType, dict[int | None, MaskRule]]] = {
    # 6 + 4 hide the birth date and the sequence: today's form, kept byte for byte.
    DocumentType.RESIDENT_ID: {None: MaskRule(6, 4)},
    DocumentType.RESIDENCE_PERMIT: {None: MaskRule(6, 4)},
    # 9 + 16 + check: show the province and nationality codes, hide the birth date as for an ID.
    # 15 (3 letters + 12 digits): show the nationality letters and the last 3 digits.
    DocumentType.FOREIGN_PERMANENT_RESIDENT: {18: MaskRule(6, 4), None: MaskRule(3, 3)},
    # H/M + 8 (+ 2 renewal digits): the letter and the last 3 characters.
    DocumentType.HK_MACAO_PERMIT: {None: MaskRule(1, 3)},
    # 8 digits (old forms 10, or 10 and a bracketed office code): the first 2 and last 2 characters.
    DocumentType.TAIWAN_PERMIT: {None: MaskRule(2, 2)},
    # 5-17 letters and digits: 2 + 3 shown, but never more than half.
    DocumentType.PASSPORT: {None: MaskRule(2, 3, min_hidden=0.5)},
}


def mask_document(document_type: DocumentType, canonical: str) -> str:
    """The masked form of a canonical (validated) number under its type's rule.

    Raises :class:`RuleError` ``document.empty`` for an empty number; any other value is masked, so a caller
    that masks before validating can never publish a half-masked number.
    """
    if not canonical:
        raise RuleError(violation("document.empty", field="id_number"))
    rules = MASK_RULES[document_type]
    head, tail = _shown(rules.get(len(canonical)) or rules[None], len(canonical))
    return canonical[:head] + "*" * (len(canonical) - head - tail) + canonical[len(canonical) - tail :]


def _shown(rule: MaskRule, length: int) -> tuple[int, int]:
    """How many leading and trailing characters to show: at least one character, and ``min_hidden``, hidden."""
    hidden = max(1, math.ceil(length * rule.min_hidden))
    head, tail = rule.head, rule.tail
    while head + tail > length - hidden:
        if tail >= head:
            tail -= 1
        else:
            head -= 1
    return head, tail
