"""Check-character algorithms of the standards the registry relies on.

- ISO/IEC 7064 MOD 11-2: the resident ID number (GB 11643-1999) and numeric certificate numbers.
- ISO/IEC 7064 MOD 37-2: alphanumeric certificate numbers (check character ``0``–``9``, ``A``–``Z`` or ``*``).
- GB 32100-2015: the unified social credit code (weights 3^i mod 31 over its 31-character alphabet).
- GB 11714-1997: the organisation code embedded in positions 9–17 of a credit code.

Each function takes the characters *before* the check character and returns the check character. They
raise ``ValueError`` for a character outside the algorithm's alphabet: callers check the alphabet first,
so that error means a programming mistake, not bad user input.
"""

from __future__ import annotations

from functools import lru_cache
from operator import mul
from typing import Final

_MOD11_CHARS: Final = "0123456789X"
_MOD37_CHARS: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*"
_MOD37_VALUES: Final = {c: i for i, c in enumerate(_MOD37_CHARS[:36])}

#: GB 32100-2015 alphabet: digits and upper-case letters without I, O, Z, S, V.
USCC_ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES: Final = {c: i for i, c in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS: Final = tuple(pow(3, i, 31) for i in range(17))
_ORG_WEIGHTS: Final = (3, 7, 9, 10, 5, 8, 4, 2)


def _pure_system(values: list[int], modulus: int) -> int:
    """ISO 7064 pure system with radix 2: the check value that makes the weighted sum ≡ 1 (mod modulus)."""
    p = 0
    for value in values:
        p = ((p + value) * 2) % modulus
    return (modulus + 1 - p) % modulus


def mod11_2(digits: str) -> str:
    """ISO 7064 MOD 11-2 check character (``0``–``9`` or ``X``) of a string of ASCII digits.

    :func:`_pure_system` as one weighted sum: the loop doubles what came before at each digit, so digit ``i``
    of ``n`` weighs ``2^(n-i) mod 11`` (GB 11643's weights 7, 9, 10, 5 … for 17 digits), and the sum is taken
    over the bytes as given, less ``48`` (``ord("0")``) times the weights. Every resident ID is checked
    (a legacy import checks one per row, issue 13): the sum is a third of the loop's time."""
    if not (digits.isascii() and digits.isdigit()):
        raise ValueError("MOD 11-2 is defined over digits only")
    weights, offset = _mod11_weights(len(digits))
    p = (sum(map(mul, weights, digits.encode("ascii"))) - offset) % 11
    return _MOD11_CHARS[(12 - p) % 11]


@lru_cache(maxsize=64)
def _mod11_weights(length: int) -> tuple[tuple[int, ...], int]:
    """The MOD 11-2 weights of ``length`` digits, and ``48`` times their sum (the digits' bytes' offset)."""
    weights = tuple(pow(2, length - i, 11) for i in range(length))
    return weights, 48 * sum(weights)


def mod37_2(text: str) -> str:
    """ISO 7064 MOD 37-2 check character (``0``–``9``, ``A``–``Z`` or ``*``) of digits and capitals."""
    try:
        values = [_MOD37_VALUES[c] for c in text]
    except KeyError:
        raise ValueError("MOD 37-2 is defined over 0-9 and A-Z only") from None
    return _MOD37_CHARS[_pure_system(values, 37)]


def _weighted_sum(body: str, values: dict[str, int], weights: tuple[int, ...], what: str) -> int:
    """The sum of each character's value times its weight (GB 32100 and GB 11714 both weigh a fixed-length
    body); ``ValueError`` naming ``what`` for a wrong length or a character outside ``values``."""
    if len(body) != len(weights):
        raise ValueError(f"{what} has {len(weights)} characters")
    try:
        return sum(values[c] * w for c, w in zip(body, weights, strict=True))
    except KeyError:
        raise ValueError(f"{what} has a character outside its alphabet") from None


def uscc_check_char(first17: str) -> str:
    """GB 32100-2015 check character of the first 17 characters of a unified social credit code."""
    total = _weighted_sum(first17, _USCC_VALUES, _USCC_WEIGHTS, "a credit code before its check character")
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """GB 11714 check character (``0``–``9`` or ``X``) of the 8-character body of an organisation code."""
    total = _weighted_sum(first8, _MOD37_VALUES, _ORG_WEIGHTS, "an organisation code body")
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)
