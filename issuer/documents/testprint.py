"""The test-print page of a blank stock: ruler and grid fixed to the paper, the print's boxes moved by the
offset. Printed on a blank, it shows how far the values land from the stock's pre-printed boxes; the
operator changes ``print_offset_*_mm`` in the profile layout (or the setting that overrides it) and prints
again until they match.
"""

from __future__ import annotations

from typing import Final

from issuer.documents.compose import LINE_SPACING, PT_PER_MM, Element, FrameElement, Page, TextElement, frame_on
from issuer.documents.fontstack import FontStack
from issuer.documents.layout import Template

GRID_MM: Final = 10
GREY: Final = "#8A8A8A"
BLUE: Final = "#1F4E9B"


def _ruler(width: float, height: float) -> list[Element]:
    elements: list[Element] = []
    for x in range(int(width) + 1):
        tick = 5.0 if x % 10 == 0 else 3.0 if x % 5 == 0 else 1.5
        elements.append(FrameElement(x_mm=x, y_mm=0, width_mm=0, height_mm=tick, line_pt=0.3, color=GREY))
        if x % 10 == 0 and 0 < x < width:
            elements.append(TextElement(x_mm=x, y_mm=8, size_pt=6, text=str(x), align="center", color=GREY))
    for y in range(int(height) + 1):
        tick = 5.0 if y % 10 == 0 else 3.0 if y % 5 == 0 else 1.5
        elements.append(FrameElement(x_mm=0, y_mm=y, width_mm=tick, height_mm=0, line_pt=0.3, color=GREY))
        if y % 10 == 0 and 0 < y < height:
            elements.append(TextElement(x_mm=6, y_mm=y + 1, size_pt=6, text=str(y), color=GREY))
    return elements


def _grid(width: float, height: float) -> list[Element]:
    lines: list[Element] = [
        FrameElement(x_mm=x, y_mm=10, width_mm=0, height_mm=height - 20, line_pt=0.2, color="#D0D0D0", dashed=True)
        for x in range(GRID_MM, int(width), GRID_MM)
    ]
    lines += [
        FrameElement(x_mm=10, y_mm=y, width_mm=width - 20, height_mm=0, line_pt=0.2, color="#D0D0D0", dashed=True)
        for y in range(GRID_MM, int(height), GRID_MM)
    ]
    return lines


def test_print_page(template: Template, offset_mm: tuple[float, float], fonts: FontStack) -> Page:
    """The test page of ``template`` with the print moved by ``offset_mm`` (x, y)."""
    del fonts  # measured by the renderer; kept for symmetry with compose()
    dx, dy = offset_mm
    width, height = template.page_width_mm, template.page_height_mm
    elements = _grid(width, height) + _ruler(width, height)
    for box in template.fields:
        if not box.on_print:
            continue
        top = box.y_mm - box.size_pt / PT_PER_MM
        lines_height = box.max_lines * box.size_pt * LINE_SPACING / PT_PER_MM
        elements.append(
            FrameElement(
                x_mm=box.x_mm + dx,
                y_mm=top + dy,
                width_mm=box.width_mm,
                height_mm=lines_height,
                line_pt=0.6,
                color=BLUE,
            )
        )
        elements.append(
            TextElement(
                x_mm=box.x_mm + dx + 1,
                y_mm=box.y_mm + dy - 0.5,
                size_pt=7,
                text=f"{box.label or box.field.value}  ({box.x_mm + dx:.1f}, {box.y_mm + dy:.1f})",
                color=BLUE,
            )
        )
    qr = template.qr
    elements.append(
        FrameElement(
            x_mm=qr.x_mm + dx, y_mm=qr.y_mm + dy, width_mm=qr.size_mm, height_mm=qr.size_mm, line_pt=0.6, color=BLUE
        )
    )
    elements.append(
        TextElement(
            x_mm=qr.x_mm + dx + qr.size_mm / 2,
            y_mm=qr.y_mm + dy + qr.size_mm / 2,
            size_pt=8,
            text="二维码 QR",
            align="center",
            color=BLUE,
        )
    )
    if template.photo is not None:
        elements.append(frame_on(template.photo, line_pt=0.6, color=BLUE, dx=dx, dy=dy))
    notes = (
        f"试打印页 test print — {template.title} — 偏移 offset x = {dx:+.1f} mm, y = {dy:+.1f} mm",
        "刻度与网格固定于纸张，蓝框随偏移移动 / ruler and grid are fixed to the paper, blue boxes move with the offset",
    )
    for index, note in enumerate(notes):
        elements.append(TextElement(x_mm=width / 2, y_mm=height - 9 + 4 * index, size_pt=7, text=note, align="center"))
    return Page(width_mm=width, height_mm=height, elements=tuple(elements))
