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

import unicodedata
from typing import Final

from registry.rules.document_shapes import document_numbers_in
from registry.rules.errors import Violation
from registry.rules.messages import violation

#: Characters a spreadsheet reads as the start of a formula (after NFKC: ＝ ＋ － ＠ fold to these).
FORMULA_STARTS: Final = frozenset("=+-@")
#: Categories refused beside Cf: line and paragraph separators (U+2028, U+2029).
_INVISIBLE_CATEGORIES: Final = frozenset({"Cf", "Zl", "Zp"})


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
