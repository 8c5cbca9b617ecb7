"""The catalogue of violation codes and their Chinese and English texts.

One table, so a reviewer sees every code the rules can produce, and a test checks every entry has both
languages and formats with its parameters. The texts are data: ``messages.toml`` beside this module, read once
at import (:mod:`registry.i18n`). ``{name}`` placeholders are filled by :func:`violation`.
"""

from __future__ import annotations

from typing import Final

from registry.i18n import Texts, catalogue
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
    return Violation(
        code=code,
        message_zh=zh.format(**params),
        message_en=en.format(**params),
        rule=rule,
        field=field,
    )
