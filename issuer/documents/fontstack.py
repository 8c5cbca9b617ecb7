"""The certificate fonts: loaded once per process, checked for every character, measured and split by font.

The PDF library (ReportLab, chosen by measurement in ``docs/certificates.md``) parses a TrueType font once and
embeds, per document, only the glyphs that document uses — so the 10 MB shipped font costs ~0.2 s once per
process, not per certificate. A :class:`FontStack` is the shipped font followed by any fallback fonts a
deployment adds; a character is drawn in the first font that has it, and a character in none of them raises
:class:`~issuer.documents.errors.MissingGlyphError` before anything is drawn (never an empty box:
docs/rules.md, "Certificate documents: no character is dropped").

ReportLab writes each code point of a font subset's ToUnicode map as ``<%04X>``, which is wrong for
characters beyond U+FFFF (Extension B and later): text extraction and search would lose them. The module
installs a corrected map writer (UTF-16BE surrogate pairs, as the PDF specification asks) on import.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from reportlab.pdfbase import pdfmetrics, ttfonts

from issuer.documents.errors import DocumentError, MissingGlyphError

FONT_DIR: Final = Path(__file__).with_name("fonts")
PRIMARY_FONT: Final = FONT_DIR / "CertregSansSC-Regular.ttf"
PRIMARY_NAME: Final = "CertregSansSC"


def _utf16_hex(codepoint: int) -> str:
    return codepoint.to_bytes(4, "big").decode("utf-32-be").encode("utf-16-be").hex().upper()


def to_unicode_cmap(fontname: str, subset: Sequence[int]) -> str:
    """The ToUnicode CMap of a ≤256-character font subset, non-BMP characters as surrogate pairs."""
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        f"/CIDSystemInfo << /Registry ({fontname}) /Ordering ({fontname}) /Supplement 0 >> def",
        f"/CMapName /{fontname} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>",
        "endcodespacerange",
        f"{len(subset)} beginbfchar",
        *(f"<{code:02X}> <{_utf16_hex(cp)}>" for code, cp in enumerate(subset)),
        "endbfchar",
        "endcmap",
        "CMapName currentdict /CMap defineresource pop",
        "end",
        "end",
    ]
    return "\n".join(lines)


ttfonts.makeToUnicodeCMap = to_unicode_cmap  # see the module docstring


class FontStack:
    """Fonts in order of preference; each character is drawn in the first font that has a glyph for it."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = tuple(names)
        self._maps = [pdfmetrics.getFont(name).face.charToGlyph for name in self.names]

    @property
    def primary(self) -> str:
        return self.names[0]

    def font_for(self, char: str) -> str | None:
        """The name of the first font that has ``char``, or ``None``."""
        codepoint = ord(char)
        for name, cmap in zip(self.names, self._maps, strict=True):
            if codepoint in cmap:
                return name
        return None

    def check(self, field: str, text: str) -> None:
        """Raise :class:`MissingGlyphError` (field, position, code point) for the first character of
        ``text`` that no font of the stack has."""
        for position, char in enumerate(text):
            if self.font_for(char) is None:
                raise MissingGlyphError(field=field, codepoint=ord(char), position=position)

    def runs(self, text: str) -> list[tuple[str, str]]:
        """``text`` cut into ``(font name, part)`` runs, each part drawn in one font (call :meth:`check`
        first: a character no font has is left in the primary font)."""
        primary = self._maps[0]
        if all(ord(char) in primary for char in text):  # nearly always: one run, no per-character search
            return [(self.names[0], text)]
        runs: list[tuple[str, str]] = []
        for char in text:
            name = self.font_for(char) or self.primary
            if runs and runs[-1][0] == name:
                runs[-1] = (name, runs[-1][1] + char)
            else:
                runs.append((name, char))
        return runs

    def width_pt(self, text: str, size_pt: float) -> float:
        """The advance width of ``text`` at ``size_pt``, in points."""
        return float(sum(pdfmetrics.stringWidth(part, name, size_pt) for name, part in self.runs(text)))


def register_font(name: str, path: Path | str) -> str:
    """Parse the TrueType font at ``path`` once and register it as ``name`` (idempotent). Raises
    :class:`DocumentError` for a file that is missing or not a usable TrueType font (CFF-based OpenType and
    collections are not)."""
    if name in pdfmetrics.getRegisteredFontNames():
        return name
    try:
        font = ttfonts.TTFont(name, str(path))
    except (OSError, ttfonts.TTFError) as exc:
        raise DocumentError(f"证书字体无法加载 / certificate font {Path(path).name} cannot be used: {exc}") from None
    # Every subset copies whole tables out of the font (``glyf`` is 10 MB): keep one copy per table.
    font.face.get_table = functools.cache(font.face.get_table)
    pdfmetrics.registerFont(font)
    return name


@functools.cache
def font_stack(fallbacks: tuple[str, ...] = ()) -> FontStack:
    """The shipped font followed by the TrueType files ``fallbacks`` (paths), loaded once per process."""
    names = [register_font(PRIMARY_NAME, PRIMARY_FONT)]
    # named by the file too: ReportLab's registry is per process, and another list may reuse an index
    names += [
        register_font(f"CertregFallback{index}-{hashlib.sha256(str(path).encode()).hexdigest()[:8]}", path)
        for index, path in enumerate(fallbacks, 1)
    ]
    return FontStack(names)
