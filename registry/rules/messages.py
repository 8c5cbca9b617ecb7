"""The catalogue of violation codes and their Chinese and English texts.

One table, so a reviewer sees every code the rules can produce, and a test checks every entry has both
languages and formats with its parameters. The texts are data: ``messages.toml`` beside this module, read once
at import (:mod:`registry.i18n`). ``{name}`` placeholders are filled by :func:`violation`.
"""

from __future__ import annotations

import unicodedata
from typing import Final

from registry.i18n import Texts, catalogue
from registry.rules.document_shapes import redact_document_numbers
from registry.rules.errors import Violation

_SECTIONS: Final = catalogue("registry.rules", "messages.toml")
#: Holders' identity documents (section ``documents``; docs/identity.md).
DOCUMENT_MESSAGES: Final = _SECTIONS["documents"]
#: Certificate numbers imported from before the registry (section ``legacy``).
LEGACY_MESSAGES: Final = _SECTIONS["legacy"]
#: Every violation code the rules can produce, with its (Chinese, English) texts.
MESSAGES: Final[Texts] = {code: texts for section in _SECTIONS.values() for code, texts in section.items()}


def violation(code: str, *, rule: str | None = None, field: str | None = None, **params: object) -> Violation:
    """The :class:`Violation` of ``code`` with its texts filled from ``params``.

    Raises ``KeyError`` for a code that is not in :data:`MESSAGES` (a programming error, caught by the tests).
    """
    zh, en = MESSAGES[code]
    shown = {name: _shown(value) for name, value in params.items()}
    return Violation(
        code=code,
        message_zh=zh.format(**shown),
        message_en=en.format(**shown),
        rule=rule,
        field=field,
    )


#: Past this many characters an echoed value is cut (a 5,000-character "number" was quoted whole).
MAX_SHOWN: Final = 200


def _shown(value: object) -> object:
    """A text value as a message may quote it: anything shaped like an identity document number masked (an
    ID typed where a certificate number belongs was echoed whole, "证书编号430102…长度不符"), control and
    format characters (NUL, a right-to-left override that would turn the rest of the message around on a
    page) written as ``<U+202E>``, and cut at :data:`MAX_SHOWN` characters. Other values are formatted as
    they are."""
    if not isinstance(value, str):
        return value
    value = redact_document_numbers(value)
    cut = value[:MAX_SHOWN] + ("…" if len(value) > MAX_SHOWN else "")
    return "".join(f"<U+{ord(c):04X}>" if unicodedata.category(c) in ("Cc", "Cf") else c for c in cut)
