"""Print serials (印制流水码, NUMBERING.md "Print serial and reissue"; docs/rules.md rule 9): the serial of each
printing of a certificate, a field apart from its number.

The registry hands out serials from a gap-free counter per issuing authority (and year, when the serial
shows it), in the shape a :class:`PrintSerialRule` of the province profile gives: no source sets one, so
the shipped shape is ours and a province replaces it as data. Blanks of controlled stock come pre-printed
with a serial of their own (000:35): an operator gives that one, and it must not look like a serial the
registry allocates, so the two can never collide.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Literal

import msgspec

from registry.rules.errors import RuleError
from registry.rules.messages import violation

#: The widest serial the registry stores (``certificate_print.serial``).
MAX_SERIAL_LENGTH = 32


class PrintSerialRule(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The shape of the serials the registry allocates: ``prefix`` + the issuing authority's region code
    (``region`` digits: 6, the first 4, or 0 for none) + the year of printing (``year`` digits: 4, 2 or 0)
    + a zero-padded ``sequence``. The counter restarts each year when the serial shows the year.

    ``given_pattern`` is what an operator-given serial (pre-printed stock) may look like.
    """

    prefix: str = ""
    region: Literal[0, 4, 6] = 6
    year: Literal[0, 2, 4] = 4
    sequence: int = 8
    given_pattern: str = "[0-9A-Z]{4,32}"
    policy: bool = True
    note: str = "policy: no source sets a print serial format; ours until the province publishes its own"

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[0-9A-Z]*", self.prefix):
            raise ValueError("a print serial prefix is upper-case letters and digits")
        if not 1 <= self.sequence <= 12:
            raise ValueError("a print serial sequence is 1 to 12 digits wide")
        if self.length > MAX_SERIAL_LENGTH:
            raise ValueError(f"a print serial is at most {MAX_SERIAL_LENGTH} characters")
        try:
            re.compile(self.given_pattern)
        except re.error as exc:
            raise ValueError(f"bad given_pattern {self.given_pattern!r}: {exc}") from None

    @property
    def length(self) -> int:
        """The number of characters of every serial the registry allocates under this rule."""
        return len(self.prefix) + self.region + self.year + self.sequence

    @property
    def max_sequence(self) -> int:
        return int(10**self.sequence - 1)

    def scope(self, authority_code: str, year: int) -> str:
        """The counter key: one counter per issuing authority, and per year when the serial shows it."""
        return f"print|authority={authority_code}" + (f"|year={year}" if self.year else "")

    def format(self, *, region_code: str, year: int, sequence: int) -> str:
        """The serial of ``sequence``; raises :class:`RuleError` ``serial.overflow`` past the width."""
        return self.format_all(region_code=region_code, year=year, sequences=[sequence])[0]

    def format_all(self, *, region_code: str, year: int, sequences: Sequence[int]) -> list[str]:
        """:meth:`format` of each of ``sequences`` (one authority and year), the part before the sequence made
        once: storing a chunk of 5,000 imported certificates formats 5,000 serials (issue 13)."""
        maximum = self.max_sequence
        if sequences and not (min(sequences) >= 1 and max(sequences) <= maximum):
            raise RuleError(violation("serial.overflow", field="print_serial", maximum=maximum))
        region = region_code[: self.region]
        shown_year = f"{year:04d}"[-self.year :] if self.year else ""
        head, width = f"{self.prefix}{region}{shown_year}", self.sequence
        return [f"{head}{sequence:0{width}d}" for sequence in sequences]

    def is_allocated_shape(self, serial: str) -> bool:
        """Whether ``serial`` has the shape of a serial this rule allocates."""
        digits = self.region + self.year + self.sequence
        return re.fullmatch(f"{re.escape(self.prefix)}[0-9]{{{digits}}}", serial) is not None


def normalise_serial(text: str) -> str:
    """What an operator typed → canonical: NFKC, whitespace removed, upper case. Never raises."""
    return "".join(unicodedata.normalize("NFKC", text).split()).upper()


def check_given_serial(rule: PrintSerialRule, text: str) -> str:
    """The canonical form of an operator-given serial (pre-printed stock); raises :class:`RuleError`
    ``serial.format`` when it does not fit ``given_pattern``, ``serial.reserved`` when it has the shape of
    a serial the registry allocates itself."""
    serial = normalise_serial(text)
    if len(serial) > MAX_SERIAL_LENGTH or not re.fullmatch(rule.given_pattern, serial):
        raise RuleError(violation("serial.format", field="print_serial", value=serial[:40], pattern=rule.given_pattern))
    if rule.is_allocated_shape(serial):
        raise RuleError(violation("serial.reserved", field="print_serial", value=serial))
    return serial
