"""Turn a template and a certificate into positioned elements (pure: no PDF library, only font metrics).

The print variant keeps only what blank stock lacks — values, QR code, photo — moved by the profile's
offset; the electronic variant adds the full design (frames, title, labels, notes, the 电子证书 mark). Every
value is checked against the fonts first (:class:`MissingGlyphError`), then shrunk and wrapped to its box
(:class:`FieldOverflowError` when it cannot fit).
"""

from __future__ import annotations

from typing import Final

import msgspec

from issuer.documents.errors import FieldOverflowError
from issuer.documents.fields import field_text
from issuer.documents.fontstack import FontStack
from issuer.documents.layout import Align, FieldBox, Frame, PhotoBox, Template
from issuer.documents.model import CertificateDocument, Variant

PT_PER_MM: Final = 72 / 25.4
LINE_SPACING: Final = 1.3
SHRINK_STEP_PT: Final = 0.5


class Placed(msgspec.Struct, frozen=True, kw_only=True):
    """Where an element stands: its anchor, in mm from the paper's top-left corner."""

    x_mm: float
    y_mm: float


class Boxed(Placed, frozen=True, kw_only=True):
    """An element that fills a rectangle from its anchor."""

    width_mm: float
    height_mm: float


class TextElement(Placed, frozen=True, kw_only=True):
    size_pt: float
    text: str
    align: Align = "left"
    bold: bool = False
    color: str = "#000000"


class FrameElement(Boxed, frozen=True, kw_only=True):
    line_pt: float
    color: str = "#000000"
    dashed: bool = False


class QrElement(Placed, frozen=True, kw_only=True):
    size_mm: float
    url: str


class ImageElement(Boxed, frozen=True, kw_only=True):
    data: bytes


def frame_on(rect: Frame | PhotoBox, *, line_pt: float, color: str, dx: float = 0.0, dy: float = 0.0) -> FrameElement:
    """A frame drawn on ``rect`` (a frame of the design, the photo's box) moved by (``dx``, ``dy``)."""
    return FrameElement(
        x_mm=rect.x_mm + dx,
        y_mm=rect.y_mm + dy,
        width_mm=rect.width_mm,
        height_mm=rect.height_mm,
        line_pt=line_pt,
        color=color,
    )


Element = TextElement | FrameElement | QrElement | ImageElement


class Page(msgspec.Struct, frozen=True, kw_only=True):
    width_mm: float
    height_mm: float
    elements: tuple[Element, ...]


def wrap(fonts: FontStack, text: str, size_pt: float, width_pt: float, max_lines: int) -> list[str] | None:
    """``text`` in at most ``max_lines`` lines of at most ``width_pt``, or ``None``. Han text breaks
    anywhere; a break inside a run of Latin letters moves back to the last space of the line."""
    if fonts.width_pt(text, size_pt) <= width_pt:
        return [text]
    lines: list[str] = []
    current = ""
    for char in text:
        if current and fonts.width_pt(current + char, size_pt) > width_pt:
            cut = current.rfind(" ")
            if char != " " and current[-1:].isascii() and current[-1:].isalnum() and cut > 0:
                lines.append(current[:cut])
                current = current[cut + 1 :]
            else:
                lines.append(current)
                current = ""
            if char == " " and not current:
                continue
        current += char
    lines.append(current)
    return lines if len(lines) <= max_lines else None


def fit(fonts: FontStack, box: FieldBox, text: str) -> tuple[float, list[str]]:
    """The largest size (from ``size_pt`` down to ``min_size_pt``) at which ``text`` fits ``box``, and its
    lines. Raises :class:`FieldOverflowError`."""
    size = box.size_pt
    while True:
        lines = wrap(fonts, text, size, box.width_mm * PT_PER_MM, box.max_lines)
        if lines is not None:
            return size, lines
        if size <= box.min_size_pt:
            raise FieldOverflowError(field=box.field.value, length=len(text))
        size = max(box.min_size_pt, size - SHRINK_STEP_PT)


def _value(fonts: FontStack, box: FieldBox, text: str, dx: float, dy: float) -> list[TextElement]:
    size, lines = fit(fonts, box, text)
    step = size * LINE_SPACING / PT_PER_MM
    return [
        TextElement(
            x_mm=box.x_mm + dx,
            y_mm=box.y_mm + dy + index * step,
            size_pt=size,
            text=line,
            align=box.align,
            bold=box.bold,
        )
        for index, line in enumerate(lines)
    ]


def _design(template: Template) -> list[Element]:
    elements: list[Element] = [frame_on(f, line_pt=f.line_pt, color=f.color) for f in template.frames]
    elements += [
        TextElement(x_mm=t.x_mm, y_mm=t.y_mm, size_pt=t.size_pt, text=t.text, align=t.align, bold=t.bold, color=t.color)
        for t in (*template.texts, template.electronic_mark)
    ]
    elements += [
        TextElement(x_mm=box.label_x_mm, y_mm=box.y_mm, size_pt=box.label_size_pt, text=box.label)
        for box in template.fields
        if box.label
    ]
    return elements


def _photo(template: Template, document: CertificateDocument, variant: Variant, dx: float, dy: float) -> list[Element]:
    box = template.photo
    if box is None:
        return []
    elements: list[Element] = []
    if variant is Variant.ELECTRONIC:
        elements.append(frame_on(box, line_pt=0.5, color="#9B9B9B"))
        if document.photo is None and box.caption:
            elements.append(
                TextElement(
                    x_mm=box.x_mm + box.width_mm / 2,
                    y_mm=box.y_mm + box.height_mm / 2 + 1.5,
                    size_pt=10,
                    text=box.caption,
                    align="center",
                    color="#9B9B9B",
                )
            )
    if document.photo is not None:
        elements.append(
            ImageElement(
                x_mm=box.x_mm + dx,
                y_mm=box.y_mm + dy,
                width_mm=box.width_mm,
                height_mm=box.height_mm,
                data=document.photo,
            )
        )
    return elements


def compose(
    template: Template,
    document: CertificateDocument,
    variant: Variant,
    fonts: FontStack,
    *,
    offset_mm: tuple[float, float] = (0.0, 0.0),
) -> Page:
    """The page of ``document`` in ``variant``. ``offset_mm`` (x, y) moves what the print variant draws;
    the electronic variant ignores it. Raises :class:`MissingGlyphError` or :class:`FieldOverflowError`."""
    dx, dy = offset_mm if variant is Variant.PRINT else (0.0, 0.0)
    boxes = [box for box in template.fields if variant is Variant.ELECTRONIC or box.on_print]
    values = [(box, field_text(document, box.field)) for box in boxes]
    for box, text in values:
        fonts.check(box.field.value, text)
    elements: list[Element] = _design(template) if variant is Variant.ELECTRONIC else []
    elements += _photo(template, document, variant, dx, dy)
    for box, text in values:
        if text:
            elements += _value(fonts, box, text, dx, dy)
    qr = template.qr
    elements.append(QrElement(x_mm=qr.x_mm + dx, y_mm=qr.y_mm + dy, size_mm=qr.size_mm, url=document.qr_url))
    return Page(width_mm=template.page_width_mm, height_mm=template.page_height_mm, elements=tuple(elements))
