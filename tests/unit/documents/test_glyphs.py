"""Every character of a name renders or is reported: never an empty box."""

from __future__ import annotations

from pathlib import Path

import pytest
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen

from issuer.documents.errors import MissingGlyphError
from issuer.documents.extract import extract_token
from issuer.documents.fontstack import font_stack
from issuer.documents.model import Variant
from issuer.documents.render import render_certificate
from tests.unit.documents.sample import document, pdf_text, poppler


def _absent_extension_b() -> int:
    """An Extension B character the shipped font lacks (it has 2,108 of 42,720)."""
    primary = font_stack()
    return next(cp for cp in range(0x20000, 0x2A6E0) if primary.font_for(chr(cp)) is None)


def _fallback_font(path: Path, codepoint: int) -> Path:
    """A one-glyph TrueType font (a filled square) for ``codepoint``: a deployment's second font."""
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder([".notdef", "square"])
    builder.setupCharacterMap({codepoint: "square"})
    pen = TTGlyphPen(None)
    for x, y in ((100, -50), (900, -50), (900, 750), (100, 750)):
        (pen.lineTo if x != 100 or y != -50 else pen.moveTo)((x, y))
    pen.closePath()
    square = pen.glyph()
    builder.setupGlyf({".notdef": TTGlyphPen(None).glyph(), "square": square})
    builder.setupHorizontalMetrics({".notdef": (500, 0), "square": (1000, 100)})
    builder.setupHorizontalHeader(ascent=880, descent=-120)
    builder.setupNameTable({"familyName": "Fallback Test", "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=880, sTypoDescender=-120, usWinAscent=880, usWinDescent=120)
    builder.setupPost()
    builder.save(str(path))
    return path


def test_a_character_in_no_font_names_field_position_and_code_point_but_not_the_name() -> None:
    codepoint = _absent_extension_b()
    name = "王" + chr(codepoint) + "明"
    with pytest.raises(MissingGlyphError) as caught:
        render_certificate(document(holder_name=name), profile="hunan", variant=Variant.ELECTRONIC)
    error = caught.value
    assert (error.field, error.position, error.codepoint) == ("holder_name", 1, codepoint)
    assert f"U+{codepoint:04X}" in str(error)
    assert "holder_name" in str(error)
    assert "第 2 个字符" in str(error)
    assert name not in str(error)
    assert "王" not in str(error)


def test_a_second_font_draws_what_the_shipped_one_lacks(tmp_path: Path) -> None:
    codepoint = _absent_extension_b()
    fallback = _fallback_font(tmp_path / "fallback.ttf", codepoint)
    name = "王" + chr(codepoint) + "明"
    doc = document(holder_name=name)
    pdf = render_certificate(doc, profile="hunan", variant=Variant.ELECTRONIC, fallbacks=(str(fallback),))
    assert name in pdf_text(pdf)
    assert extract_token(pdf) == doc.token
    fonts = poppler("pdffonts", "-", data=pdf).decode().splitlines()[2:]
    assert len(fonts) == 2  # the shipped font and the second one, each embedded and subsetted
    assert all(" yes yes " in line for line in fonts)


def test_every_character_of_the_fixed_texts_is_in_the_shipped_font() -> None:
    from issuer.documents.layout import load_template
    from registry.vocab import CertificateKind

    stack = font_stack()
    for profile in ("hunan", "sichuan"):
        for kind in CertificateKind:
            template = load_template(profile, kind)
            texts = [t.text for t in template.texts] + [box.label for box in template.fields]
            for text in texts:
                stack.check("template", text)
