"""Rebuild the shipped certificate font from Debian's ``fonts-noto-cjk`` (a maintainer's tool, not run at run time).

Why a build step: the PDF library embeds TrueType (``glyf``) outlines and subsets them per document, while
Noto Sans CJK ships CFF outlines. This takes the Simplified Chinese face of ``NotoSansCJK-Regular.ttc``,
keeps what a certificate can print (see ``COVERAGE`` — Hangul and vertical-writing data are dropped),
converts the cubic outlines to quadratic ones (fontTools cu2qu, 1 unit of tolerance at 1000 units/em) and
renames the family so the modified font is never mistaken for Google's (SIL OFL 1.1 §3 asks nothing more,
as Noto CJK reserves no font name). Usage, on a Debian machine::

    apt-get download fonts-noto-cjk && dpkg-deb -x fonts-noto-cjk_*.deb /tmp/noto
    python -m issuer.documents.fonts.build /tmp/noto/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

It writes ``CertregSansSC-Regular.ttf`` beside this file (about 3 minutes of CPU). ``README.md`` beside it
records the source version and what the font covers.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Final

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

OUTPUT: Final = Path(__file__).with_name("CertregSansSC-Regular.ttf")
FAMILY: Final = "Certreg Sans SC"
#: Code point ranges left out: Hangul (names on Chinese documents are written in Han characters).
DROPPED: Final = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7FF))
_MAXP_TT_FIELDS: Final = (
    "maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
    "maxStackElements", "maxSizeOfInstructions", "maxComponentElements",
)  # fmt: skip


def _sc_face(path: str) -> TTFont:
    for face in TTCollection(path).fonts:
        if face["name"].getDebugName(4).endswith(" SC"):
            return face
    raise SystemExit(f"{path}: no Simplified Chinese (SC) face")


def _subset(font: TTFont) -> None:
    keep = [cp for cp in font.getBestCmap() if not any(lo <= cp <= hi for lo, hi in DROPPED)]
    options = subset.Options()
    options.hinting = False
    options.layout_features = []
    options.glyph_names = False
    options.notdef_outline = True
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    options.drop_tables += ["vmtx", "vhea", "VORG", "BASE", "GDEF", "GPOS", "GSUB"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=keep)
    subsetter.subset(font)


def _to_truetype(font: TTFont) -> None:
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()
    del font["CFF "]
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for field in _MAXP_TT_FIELDS:
        setattr(maxp, field, 0)
    maxp.maxZones = 1
    font["head"].glyphDataFormat = 0
    post = font["post"]
    post.formatType = 3.0
    font.sfntVersion = "\x00\x01\x00\x00"


def _rename(font: TTFont) -> None:
    table = font["name"]
    postscript = FAMILY.replace(" ", "") + "-Regular"
    for record in list(table.names):
        if record.nameID in (1, 4, 16):
            table.setName(FAMILY if record.nameID != 4 else f"{FAMILY} Regular",
                          record.nameID, record.platformID, record.platEncID, record.langID)  # fmt: skip
        elif record.nameID in (3, 6):
            table.setName(postscript, record.nameID, record.platformID, record.platEncID, record.langID)
    table.setName(f"{FAMILY}: Noto Sans CJK SC subset, converted to TrueType outlines for certreg", 5, 3, 1, 0x409)


def main(argv: list[str]) -> None:
    """Build ``OUTPUT`` from the ``.ttc`` named by ``argv[1]``."""
    if len(argv) != 2:
        raise SystemExit(__doc__)
    font = _sc_face(argv[1])
    _subset(font)
    _to_truetype(font)
    _rename(font)
    font.save(OUTPUT)
    print(f"{OUTPUT}: {OUTPUT.stat().st_size:,} bytes, {len(font.getGlyphOrder()):,} glyphs")


if __name__ == "__main__":
    main(sys.argv)
