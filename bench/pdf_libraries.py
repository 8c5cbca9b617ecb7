"""Which PDF library draws our certificate fastest and smallest: fpdf2, ReportLab and WeasyPrint.

The same certificate for all three: the electronic skill-level certificate of the Hunan profile with its
full design (frames, title, labels, values, the 电子证书 mark, the QR code as vector, no photo), laid out
once by ``issuer.documents.compose`` and then drawn by each library from the same elements, in the same
shipped font (``issuer/documents/fonts/CertregSansSC-Regular.ttf``, embedded and subsetted by each).

* ``fpdf2`` — the documented way: a new ``FPDF`` per document, ``add_font`` of the TTF file (fpdf2 parses
  the font per document) and fontTools subsetting at output.
* ``ReportLab`` — the font registered once per process, subsetted per document by ReportLab itself; drawn
  by our production path (``issuer.documents.pdf.render``, without the PDF/A parts to be comparable).
* ``WeasyPrint`` — absolutely positioned HTML with ``@font-face`` on the same file, the QR code as inline
  SVG; WeasyPrint caches fonts per process.

Each library renders ``--count`` certificates in turn on one core (one process, nothing in parallel); the
table gives the first document (font loading), the median wall and CPU milliseconds per page, pages/s and
the median file size. Ratios are against ReportLab, measured in the same run. The last line is one JSON
object. The libraries not chosen are not runtime dependencies: install them with
``.venv/bin/pip install -e '.[bench]'`` (WeasyPrint also needs Debian's ``libpango-1.0-0``), then run
``.venv/bin/python -m bench.pdf_libraries [--count 30]``.
"""

from __future__ import annotations

import base64
import html
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

from bench.flags import bench_parser
from bench.samples import sample_documents
from issuer.documents import pdf
from issuer.documents.compose import PT_PER_MM, FrameElement, Page, QrElement, TextElement, compose
from issuer.documents.fontstack import PRIMARY_FONT, font_stack
from issuer.documents.layout import load_template
from issuer.documents.model import CertificateDocument, Variant
from issuer.qr import QUIET_ZONE, dark_runs, fast_matrix, svg_from_matrix

Renderer = Callable[[Page], bytes]


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def render_fpdf2(page: Page) -> bytes:
    from fpdf import FPDF

    doc = FPDF(unit="mm", format=(page.width_mm, page.height_mm))
    doc.set_auto_page_break(auto=False)
    doc.add_page()
    doc.add_font("certreg", fname=str(PRIMARY_FONT))
    for element in page.elements:
        if isinstance(element, TextElement):
            doc.set_font("certreg", size=element.size_pt)
            doc.set_text_color(*_rgb(element.color))
            width = doc.get_string_width(element.text)
            x = element.x_mm - (width if element.align == "right" else width / 2 if element.align == "center" else 0)
            doc.text(x, element.y_mm, element.text)
        elif isinstance(element, FrameElement):
            doc.set_draw_color(*_rgb(element.color))
            doc.set_line_width(element.line_pt / PT_PER_MM)
            doc.rect(element.x_mm, element.y_mm, element.width_mm, element.height_mm)
        elif isinstance(element, QrElement):
            matrix = fast_matrix(element.url)
            module = element.size_mm / (len(matrix) + 2 * QUIET_ZONE)
            doc.set_fill_color(0, 0, 0)
            for row_index, row in enumerate(matrix):
                for start, end in dark_runs(row):
                    doc.rect(element.x_mm + (start + QUIET_ZONE) * module,
                             element.y_mm + (row_index + QUIET_ZONE) * module,
                             (end - start) * module, module, style="F")  # fmt: skip
    return bytes(doc.output())


def render_reportlab(page: Page) -> bytes:
    return pdf.render([page], font_stack())


_CSS = """@font-face {{ font-family: certreg; src: url("{font}"); }}
@page {{ size: {w}mm {h}mm; margin: 0; }}
body {{ margin: 0; font-family: certreg; }}
.t {{ position: absolute; white-space: nowrap; line-height: 1; }}
.f {{ position: absolute; box-sizing: border-box; }}
"""


def _html(page: Page) -> str:
    parts = [f"<html><head><style>{_CSS.format(font=PRIMARY_FONT.as_uri(), w=page.width_mm, h=page.height_mm)}"
             "</style></head><body>"]  # fmt: skip
    for element in page.elements:
        if isinstance(element, TextElement):
            shift = {"left": "0", "center": "-50%", "right": "-100%"}[element.align]
            top = element.y_mm - element.size_pt / PT_PER_MM * 0.88  # baseline → top of the em box
            weight = "bold" if element.bold else "normal"
            style = (f"left:{element.x_mm}mm;top:{top:.2f}mm;font-size:{element.size_pt}pt;color:{element.color};"
                     f"font-weight:{weight};transform:translateX({shift})")  # fmt: skip
            parts.append(f'<div class="t" style="{style}">{html.escape(element.text)}</div>')
        elif isinstance(element, FrameElement):
            style = (f"left:{element.x_mm}mm;top:{element.y_mm}mm;width:{element.width_mm}mm;"
                     f"height:{element.height_mm}mm;border:{element.line_pt}pt solid {element.color}")  # fmt: skip
            parts.append(f'<div class="f" style="{style}"></div>')
        elif isinstance(element, QrElement):
            svg = base64.b64encode(svg_from_matrix(fast_matrix(element.url))).decode()
            style = (f"position:absolute;left:{element.x_mm}mm;top:{element.y_mm}mm;width:{element.size_mm}mm;"
                     f"height:{element.size_mm}mm")  # fmt: skip
            parts.append(f'<img style="{style}" src="data:image/svg+xml;base64,{svg}">')
    parts.append("</body></html>")
    return "".join(parts)


def render_weasyprint(page: Page) -> bytes:
    from weasyprint import HTML

    result: Any = HTML(string=_html(page)).write_pdf()
    return bytes(result)


def measure(renderer: Renderer, pages: list[Page]) -> dict[str, float]:
    start = time.perf_counter()
    renderer(pages[0])
    first = time.perf_counter() - start
    walls, cpus, sizes = [], [], []
    for page in pages[1:]:
        wall, cpu = time.perf_counter(), time.process_time()
        data = renderer(page)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        sizes.append(len(data))
    wall_ms = statistics.median(walls) * 1000
    return {"first_ms": first * 1000, "wall_ms": wall_ms, "cpu_ms": statistics.median(cpus) * 1000,
            "pages_per_s": 1000 / wall_ms, "bytes": statistics.median(sizes)}  # fmt: skip


def main() -> None:
    parser = bench_parser(__doc__.splitlines()[0], count=30)
    args = parser.parse_args()
    documents: list[CertificateDocument] = sample_documents(args.count, seed=5)
    template = load_template("hunan", documents[0].kind)
    pages = [compose(template, d, Variant.ELECTRONIC, font_stack()) for d in documents]
    print(f"cores: {os.cpu_count()}; load average (1, 5, 15 min): {os.getloadavg()}; {args.count} certificates")
    results = {}
    keep = os.environ.get("CERTREG_BENCH_KEEP")  # a directory to keep one PDF of each library in, to look at
    with tempfile.TemporaryDirectory(prefix="certreg-libs-") as scratch:
        for name, renderer in (
            ("ReportLab", render_reportlab),
            ("fpdf2", render_fpdf2),
            ("WeasyPrint", render_weasyprint),
        ):
            results[name] = measure(renderer, pages)
            with open(os.path.join(keep or scratch, f"{name}.pdf"), "wb") as out:
                out.write(renderer(pages[0]))
    base = results["ReportLab"]
    print(f"{'library':<11} {'first ms':>9} {'wall ms':>8} {'CPU ms':>8} {'pages/s':>8} {'bytes':>8} "
          f"{'time ×RL':>9} {'size ×RL':>9}")  # fmt: skip
    for name, r in results.items():
        ratios = f"{r['cpu_ms'] / base['cpu_ms']:>9.1f} {r['bytes'] / base['bytes']:>9.2f}"
        print(f"{name:<11} {r['first_ms']:>9.0f} {r['wall_ms']:>8.1f} {r['cpu_ms']:>8.1f} {r['pages_per_s']:>8.1f} "
              f"{r['bytes']:>8.0f} {ratios}")  # fmt: skip
    print(f"load average after (1, 5, 15 min): {os.getloadavg()}")
    print(json.dumps({name: {"pages_per_s": round(r["pages_per_s"], 1), "cpu_ms": round(r["cpu_ms"], 1),
                             "bytes": int(r["bytes"])} for name, r in results.items()}))  # fmt: skip


if __name__ == "__main__":
    main()
