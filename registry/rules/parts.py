"""The parts a certificate number is made of, as one Struct the issuer fills and the verifier reads back."""

from __future__ import annotations

import msgspec

from registry.vocab import CertificateKind


class NumberParts(msgspec.Struct, frozen=True, kw_only=True):
    """The values behind a number. A part the kind's rule does not print stays at its default.

    ``year`` is the full year (``2025``) even where the number prints two digits; ``level`` is ``0`` for a
    kind without levels; ``region_code`` is a full 6-digit GB/T 2260 code (a 4-digit region segment is read
    back as ``XXXX00``).
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
    values = {
        "institution": parts.institution_code,
        "region": parts.region_code,
        "year": str(parts.year),
        "level": str(parts.level),
        "project": parts.project_code,
    }
    return values[name]
