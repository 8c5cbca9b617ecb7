"""Draw composed pages as a PDF with ReportLab (chosen by measurement: ``docs/certificates.md``).

Millimetres from the top-left become points from the bottom-left here and nowhere else. Text is drawn run
by run in the font of the stack that has each character; a bold style is the same font filled and stroked
(one font file, no synthetic-bold font to embed). The QR code is a vector path of its dark runs (sharp at
any print resolution, ~2 KB). The electronic variant is made PDF/A-3B shaped by :mod:`issuer.documents.pdfa`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Final

from PIL import Image
from reportlab import rl_config
from reportlab.lib.colors import HexColor
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from issuer.documents import pdfa
from issuer.documents.compose import PT_PER_MM, FrameElement, ImageElement, Page, QrElement, TextElement
from issuer.documents.fontstack import FontStack
from issuer.qr import QUIET_ZONE, dark_runs, fast_matrix

BOLD_STROKE: Final = 0.03  # stroke width of "bold" text, per point of size
rl_config.useA85 = 0  # ASCII85 on top of Flate costs 25 % in size and time, and 8-bit PDF is universal


def _y(page: Page, y_mm: float) -> float:
    return (page.height_mm - y_mm) * PT_PER_MM


def _text(canvas: Canvas, page: Page, fonts: FontStack, element: TextElement) -> None:
    x = element.x_mm * PT_PER_MM
    if element.align != "left":
        width = fonts.width_pt(element.text, element.size_pt)
        x -= width if element.align == "right" else width / 2
    color = HexColor(element.color)
    canvas.saveState()  # colours and the text render mode outlive a text block: keep them to this one
    canvas.setFillColor(color)
    text = canvas.beginText(x, _y(page, element.y_mm))
    if element.bold:
        canvas.setStrokeColor(color)
        canvas.setLineWidth(element.size_pt * BOLD_STROKE)
        text.setTextRenderMode(2)
    for name, part in fonts.runs(element.text):
        text.setFont(name, element.size_pt)
        text.textOut(part)
    canvas.drawText(text)
    canvas.restoreState()


def _frame(canvas: Canvas, page: Page, element: FrameElement) -> None:
    canvas.setStrokeColor(HexColor(element.color))
    canvas.setLineWidth(element.line_pt)
    canvas.setDash(2, 2) if element.dashed else canvas.setDash()
    canvas.rect(
        element.x_mm * PT_PER_MM,
        _y(page, element.y_mm + element.height_mm),
        element.width_mm * PT_PER_MM,
        element.height_mm * PT_PER_MM,
        stroke=1,
        fill=0,
    )


def qr_path(matrix: Sequence[Sequence[int]], x_pt: float, top_pt: float, size_pt: float) -> str:
    """PDF operators filling the dark runs of ``matrix`` inside a ``size_pt`` square (quiet zone included)
    whose top-left corner is at (``x_pt``, ``top_pt``). Drawn in module units (a ``cm`` scale), so every
    rectangle is small integers: quick to write, exact on the module grid."""
    count = len(matrix)
    module = size_pt / (count + 2 * QUIET_ZONE)
    origin_x, origin_y = x_pt + QUIET_ZONE * module, top_pt - (count + QUIET_ZONE) * module
    ops = [
        f"q 1 g {x_pt:.3f} {top_pt - size_pt:.3f} {size_pt:.3f} {size_pt:.3f} re f 0 g",
        f"{module:.5f} 0 0 {module:.5f} {origin_x:.3f} {origin_y:.3f} cm",
    ]
    for row_index, row in enumerate(matrix):
        y = count - 1 - row_index
        ops.extend(f"{start} {y} {end - start} 1 re" for start, end in dark_runs(row))
    ops.append("f Q")
    return "\n".join(ops)


def _qr(canvas: Canvas, page: Page, element: QrElement) -> None:
    matrix = fast_matrix(element.url)
    canvas.addLiteral(qr_path(matrix, element.x_mm * PT_PER_MM, _y(page, element.y_mm), element.size_mm * PT_PER_MM))


def _image(canvas: Canvas, page: Page, element: ImageElement) -> None:
    with Image.open(io.BytesIO(element.data)) as image:
        if image.format == "JPEG" and image.mode in ("RGB", "L"):
            reader = ImageReader(io.BytesIO(element.data))  # embedded as is (DCT), never re-encoded
        else:
            flat = Image.new("RGB", image.size, "white")  # PNG: alpha flattened on white, no soft mask
            rgba = image.convert("RGBA")
            flat.paste(rgba, mask=rgba.getchannel("A"))
            reader = ImageReader(flat)
    canvas.drawImage(
        reader,
        element.x_mm * PT_PER_MM,
        _y(page, element.y_mm + element.height_mm),
        element.width_mm * PT_PER_MM,
        element.height_mm * PT_PER_MM,
        preserveAspectRatio=True,
        anchor="c",
    )


def draw(canvas: Canvas, page: Page, fonts: FontStack) -> None:
    """Draw every element of ``page`` on ``canvas``'s current page, then end the page."""
    for element in page.elements:
        if isinstance(element, TextElement):
            _text(canvas, page, fonts, element)
        elif isinstance(element, FrameElement):
            _frame(canvas, page, element)
        elif isinstance(element, QrElement):
            _qr(canvas, page, element)
        else:
            _image(canvas, page, element)
    canvas.showPage()


def render(pages: Sequence[Page], fonts: FontStack, *, info: pdfa.PdfInfo | None = None) -> bytes:
    """The PDF of ``pages`` (``info``: make it PDF/A-3B shaped with the token embedded). Deterministic:
    the same pages and info give the same bytes."""
    out = io.BytesIO()
    first = pages[0]
    canvas = Canvas(
        out,
        pagesize=(first.width_mm * PT_PER_MM, first.height_mm * PT_PER_MM),
        invariant=1,
        initialFontName=fonts.primary,
        pageCompression=1,
        pdfVersion=(1, 7),
        lang="zh-CN",
    )
    if info is not None:
        pdfa.apply(canvas, info)
    for page in pages:
        canvas.setPageSize((page.width_mm * PT_PER_MM, page.height_mm * PT_PER_MM))
        draw(canvas, page, fonts)
    canvas.save()
    return out.getvalue()
