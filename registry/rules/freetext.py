"""What typed text may hold: no identity document number, no invisible character, no spreadsheet formula.

docs/rules.md, "Typed text" (rule ``text``). Pure functions over one string, used at every edge where a
person types text the registry keeps or shows again: holders' names (upload rows, corrections), reasons
(revocation, reissue, review), file names.

* **Document numbers** (个人信息保护法 art. 51: personal data de-identified where it need not be whole). A
  number typed where none belongs — an ID in the name column, a passport number in a reason — would be kept
  and shown in clear, around the sealed store. :func:`document_numbers_in` finds anything with the *shape*
  of a number of any type of :mod:`registry.rules.documents` (a wrong check character is still personal
  data), standing alone between non-alphanumerics, so a longer code (a 22-character certificate number)
  is not cut into one; :func:`redact_document_numbers` masks each as the type's mask would.
* **Invisible characters** (Unicode UTS #55, CVE-2021-42574 "Trojan Source"): bidi embeddings, overrides and
  isolates (U+202A–202E, U+2066–2069), the direction marks (U+200E, U+200F, U+061C) and every other format
  character (category Cf: zero-width spaces and joiners, the BOM, soft hyphens …) and the line and paragraph
  separators reorder or hide what a reader sees. None belongs in a name, a reason or a file name.
* **Formulas** (OWASP "CSV Injection"): a cell starting with ``=``, ``+``, ``-`` or ``@`` (or their
  full-width forms, which spreadsheets fold) is evaluated by Excel and LibreOffice when exported.
  :func:`spreadsheet_safe` neutralises such a cell for export with a leading apostrophe.

No function here returns or formats the text it judged beyond what the caller gave it: messages name the
offending *code points*, never the number.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Final

from registry.rules.errors import Violation
from registry.rules.messages import violation

#: Characters a spreadsheet reads as the start of a formula (after NFKC: ＝ ＋ － ＠ fold to these).
FORMULA_STARTS: Final = frozenset("=+-@")
#: Categories refused beside Cf: line and paragraph separators (U+2028, U+2029).
_INVISIBLE_CATEGORIES: Final = frozenset({"Cf", "Zl", "Zp"})

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


def invisible_characters(text: str) -> list[str]:
    """The distinct invisible format characters of ``text`` as ``U+XXXX``, in order of first appearance."""
    seen: dict[str, None] = {}
    for ch in text:
        if unicodedata.category(ch) in _INVISIBLE_CATEGORIES:
            seen.setdefault(f"U+{ord(ch):04X}", None)
    return list(seen)


def starts_like_formula(text: str) -> bool:
    """Whether a spreadsheet would evaluate ``text`` as a cell: it starts (after leading spaces) with
    ``=``, ``+``, ``-`` or ``@``, in ASCII or full width."""
    stripped = unicodedata.normalize("NFKC", text[:8]).lstrip()
    return bool(stripped) and stripped[0] in FORMULA_STARTS


def spreadsheet_safe(cell: str) -> str:
    """``cell`` as an exported CSV/XLSX cell that no spreadsheet evaluates: a formula start is prefixed with
    an apostrophe (shown by Excel and LibreOffice as text, the usual neutralisation); other cells unchanged."""
    return f"'{cell}" if starts_like_formula(cell) or cell[:1] in ("\t", "\r") else cell


def text_violation(text: str, *, field: str, what: tuple[str, str], formula_checked: bool = True) -> Violation | None:
    """The first problem of typed ``text`` under rule ``text``, or ``None``.

    ``what`` names the field in Chinese and English (``("原因", "The reason")``), ``field`` is its wire name.
    Codes: ``text.invisible`` (names the code points), ``text.document_number`` (names nothing of the
    number), ``text.formula`` (only when ``formula_checked``).
    """
    names = {"what_zh": what[0], "what_en": what[1]}
    invisible = invisible_characters(text)
    if invisible:
        return violation("text.invisible", rule="text", field=field, chars=" ".join(invisible[:5]), **names)
    if document_numbers_in(text):
        return violation("text.document_number", rule="text", field=field, **names)
    if formula_checked and starts_like_formula(text):
        return violation("text.formula", rule="text", field=field, **names)
    return None
