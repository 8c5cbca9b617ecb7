"""Declared free formats of certificate numbers issued before the registry (NUMBERING.md, "Certificates issued
before the registry"; ``docs/identity.md``, "Legacy numbers").

Certificates issued before go-live keep their numbers, whatever layout their source system used. Where that
layout is not one of the profile's segment rules, the profile declares it per source: the characters allowed,
length bounds and, optionally, a pattern. Patterns come from a profile file, so they are restricted to a
whitelist of safe constructs — literal characters, character classes of ranges (``[0-9]``, ``[A-Z]``,
``[A-HJ-NP-Z0-9]``), ``\\d`` and bounded repeats (``{n}``, ``{m,n}``) — with no alternation, group, anchor,
back-reference or unbounded repeat. Such a pattern matches in time linear in its (bounded) length, so a
hostile profile cannot make validation hang, and its length range is known and checked against the bounds.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Annotated, Final, Literal

import msgspec

from registry.rules.errors import Violation
from registry.rules.messages import violation
from registry.vocab import CertificateKind

MAX_LENGTH: Final = 64
CHARSETS: Final[dict[str, frozenset[str]]] = {
    "digits": frozenset("0123456789"),
    "upper_alnum": frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
    "upper_alnum_dash": frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-/"),
}
Charset = Literal["digits", "upper_alnum", "upper_alnum_dash"]

_TOKEN: Final = re.compile(r"(\\d|\[[^\[\]\\]+\]|[A-Z0-9\-/])(\{(\d{1,2})(?:,(\d{1,2}))?\})?")
_RANGE: Final = re.compile(r"([0-9A-Z])-([0-9A-Z])|([0-9A-Z\-/])")


class FreeFormat(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, dict=True):
    """The number layout of one legacy source for one certificate kind.

    ``source`` names the system or register the numbers come from (an import declares it per file or row).
    A malformed declaration raises ``ValueError`` when built (``msgspec.ValidationError`` when decoded).
    """

    source: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    kind: CertificateKind
    charset: Charset = "upper_alnum"
    min_length: Annotated[int, msgspec.Meta(ge=1, le=MAX_LENGTH)]
    max_length: Annotated[int, msgspec.Meta(ge=1, le=MAX_LENGTH)]
    pattern: str | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if self.min_length > self.max_length:
            raise ValueError(f"free format {self.source!r}: min_length is above max_length")
        if self.pattern is not None:
            low, high = pattern_lengths(self.pattern, CHARSETS[self.charset])
            if low < self.min_length or high > self.max_length:
                raise ValueError(
                    f"free format {self.source!r}: the pattern matches {low} to {high} characters, outside "
                    f"the bounds {self.min_length} to {self.max_length}"
                )

    @cached_property
    def _compiled(self) -> re.Pattern[str] | None:
        return None if self.pattern is None else re.compile(self.pattern)

    def check(self, number: str) -> Violation | None:
        """The first problem of a canonical number under this format, or ``None``.

        Codes: ``number.length``, ``legacy.charset``, ``legacy.pattern``.
        """
        if not self.min_length <= len(number) <= self.max_length:
            expected = f"{self.min_length}-{self.max_length}"
            return violation("number.length", field="number", value=number, expected=expected)
        if not set(number) <= CHARSETS[self.charset]:
            return violation("legacy.charset", field="number", value=number, source=self.source)
        compiled = self._compiled
        if compiled is not None and not compiled.fullmatch(number):
            return violation("legacy.pattern", field="number", value=number, source=self.source)
        return None


def pattern_lengths(pattern: str, alphabet: frozenset[str]) -> tuple[int, int]:
    """The shortest and longest match of a whitelisted ``pattern`` whose characters are all in ``alphabet``.

    Raises ``ValueError`` naming the first construct outside the whitelist.
    """
    low = high = position = 0
    while position < len(pattern):
        token = _TOKEN.match(pattern, position)
        if token is None:
            raise ValueError(f"pattern {pattern!r}: unsupported construct at position {position + 1}")
        _check_atom(token.group(1), alphabet, pattern)
        least, most = _repeats(token)
        low, high, position = low + least, high + most, token.end()
    if high == 0 or high > MAX_LENGTH:
        raise ValueError(f"pattern {pattern!r} must match 1 to {MAX_LENGTH} characters")
    return low, high


def _check_atom(atom: str, alphabet: frozenset[str], pattern: str) -> None:
    if atom == r"\d":
        chars = set("0123456789")
    elif atom.startswith("["):
        chars = _class_chars(atom[1:-1], pattern)
    else:
        chars = {atom}
    if not chars <= alphabet:
        raise ValueError(f"pattern {pattern!r}: {atom} allows characters outside the declared charset")


def _class_chars(body: str, pattern: str) -> set[str]:
    chars: set[str] = set()
    position = 0
    while position < len(body):
        item = _RANGE.match(body, position)
        if item is None:
            raise ValueError(f"pattern {pattern!r}: unsupported character class [{body}]")
        if item.group(3) is not None:
            chars.add(item.group(3))
        else:
            first, last = item.group(1), item.group(2)
            if first > last or first.isdigit() != last.isdigit():
                raise ValueError(f"pattern {pattern!r}: bad range {first}-{last}")
            chars |= {chr(c) for c in range(ord(first), ord(last) + 1)}
        position = item.end()
    return chars


def _repeats(token: re.Match[str]) -> tuple[int, int]:
    if token.group(2) is None:
        return 1, 1
    least = int(token.group(3))
    most = int(token.group(4)) if token.group(4) is not None else least
    if least > most or most == 0:
        raise ValueError(f"bad repeat {token.group(2)}")
    return least, most
