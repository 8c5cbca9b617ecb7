"""The parts a certificate number is made of, as one Struct the issuer fills and the verifier reads back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import msgspec

from registry.vocab import CertificateKind


class NumberParts(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """The values behind a number. A part the kind's rule does not print stays at its default.

    ``year`` is the full year (``2025``) even where the number prints two digits; ``level`` is ``0`` for a
    kind without levels; ``region_code`` is a full 6-digit GB/T 2260 code (a 4-digit region segment is read
    back as ``XXXX00``). ``gc=False``: only immutable values in it, so no cycle can pass through it; untracked,
    the collector no longer walks the one made (or decoded) per row of a legacy import (issue 13).
    """

    kind: CertificateKind
    institution_code: str = ""
    region_code: str = ""
    year: int = 0
    level: int = 0
    project_code: str = ""
    sequence: int = 0


def part_value(parts: NumberParts, name: str) -> str:
    """The value of the part called ``name`` (one of ``segments.SCOPE_PARTS``) as text.

    Raises ``KeyError`` for another name: rules are checked to name only those parts.
    """
    return _PART_VALUES[name](parts)


#: Each part's value as text, by name (a table, not a dict of every value built at each call: a legacy
#: import asks for the scope of every row's number, issue 13).
_PART_VALUES: Final[dict[str, Callable[[NumberParts], str]]] = {
    "institution": lambda parts: parts.institution_code,
    "region": lambda parts: parts.region_code,
    "year": lambda parts: str(parts.year),
    "level": lambda parts: str(parts.level),
    "project": lambda parts: parts.project_code,
}
