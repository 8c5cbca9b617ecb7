"""Whether a text holds something shaped like an identity document number, and the text with each masked.

docs/rules.md, "Typed text" (rule ``text``): used by :mod:`registry.rules.freetext` to refuse typed text that
holds one, and by :mod:`registry.rules.messages` so that no message quotes one whole (a number typed where
a certificate number belongs, echoed as "证书编号… 长度不符"). Apart from both so that each can use it (the
messages module is below freetext).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Final

# Shapes of every document type of registry.rules.documents (and the 15-digit first-generation resident
# ID), upper case, between characters that are not ASCII letters or digits.
_SHAPES: Final = (
    r"[0-9]{17}[0-9X]",  # resident ID, residence permit, foreigner's permit since 2023
    r"[0-9]{15}",  # first-generation resident ID
    r"[A-Z]{3}[0-9]{12}",  # foreigner's permit before 2023
    r"[HM][0-9]{8}(?:[0-9]{2})?",  # Hong Kong and Macao residents' permit
    r"[0-9]{8}(?:[0-9]{2})?(?:\([0-9A-Z]\))?",  # Taiwan residents' permit
    r"[A-Z]{1,2}[0-9]{7,8}",  # passport (Chinese E/G/P/S/D and most others)
)
_DOCUMENT: Final = re.compile(r"(?<![0-9A-Z])(?:" + "|".join(_SHAPES) + r")(?![0-9A-Z])")


def _folded(text: str) -> str:
    """NFKC and upper case, *length-preserving* per character so positions map back to ``text``."""
    return "".join(folded if len(folded := unicodedata.normalize("NFKC", ch).upper()) == 1 else ch for ch in text)


def _is_date(token: str) -> bool:
    """An 8-digit token that is a calendar date (20250601) is a date, not a Taiwan permit number."""
    if len(token) != 8 or not token.isdigit():
        return False
    try:
        date(int(token[:4]), int(token[4:6]), int(token[6:]))
    except ValueError:
        return False
    return 1900 <= int(token[:4]) <= 2100


def _spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _DOCUMENT.finditer(_folded(text)) if not _is_date(m.group())]


def document_numbers_in(text: str) -> bool:
    """Whether ``text`` holds something shaped like an identity document number of any type."""
    return bool(_spans(text))


def redact_document_numbers(text: str) -> str:
    """``text`` with every document-shaped run masked: the first 2 and the last 2 characters kept at most,
    at least half hidden (``430102199003071234`` → ``43**************34``)."""
    out, last = [], 0
    for start, end in _spans(text):
        length = end - start
        shown = min(2, (length // 2) // 2)
        out.append(text[last:start])
        out.append(text[start : start + shown] + "*" * (length - 2 * shown) + text[end - shown : end])
        last = end
    out.append(text[last:])
    return "".join(out)
