"""Certificate documents and QR archives at batch scale: 10,000 electronic PDFs and a 100,000-row qr.zip.

Targets (issue 15, on this 2-core machine): 10,000 electronic PDFs in ≤ 60 s; a 100,000-row ``qr.zip`` in
≤ 120 s. Measured here without the database: documents come from ``bench/samples.py`` (real signed
tokens), so the figures are the rendering and packing cost that phase 2's build-once step will pay.

* ``pdf_10k_seconds`` — ``issuer.documents.pool.render_many`` (every core) rendering ``--pdfs``
  electronic skill-level certificates (no photo), the median of ``--runs`` runs, scaled to 10,000 when
  ``--pdfs`` is smaller.
* ``qr_zip_100k_seconds`` — ``issuer.qr.render_many`` (fixed mask, direct PNG/SVG writers, every core)
  drawing PNG + SVG for ``--qrs`` URLs and writing them into a zip file (PNG stored, SVG deflated), the
  median of ``--runs`` runs, scaled to 100,000 when ``--qrs`` is smaller. This is the time to *build* the
  archive through the pool; phase 2 keeps the built file.
* ``qr_zip_cached_seconds`` — ``null``: serving the kept file is phase 2's (no cache exists yet to time).

Where the time goes is timed per certificate on one core (medians over ``--sample`` documents): the whole
render, the layout (``compose``), the QR matrix, the font subset, and the old per-code QR path (segno's
mask search and writers) as the baseline of the ratio. The load average of the machine is printed with
the figures, since other processes share its two cores. Last line: one JSON object.
Run: ``.venv/bin/python -m bench.certificates [--pdfs 10000 --qrs 100000 --runs 3]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence

from bench.samples import sample_documents
from issuer.documents.compose import compose
from issuer.documents.fontstack import PRIMARY_NAME, font_stack
from issuer.documents.layout import load_template
from issuer.documents.model import CertificateDocument, Variant
from issuer.documents.pool import Failure, render_many
from issuer.documents.render import render_certificate
from issuer.qr import FIXED_MASK, make_code, png_bytes, render_pair, svg_bytes
from issuer.qr import render_many as render_qr_many


def _median_ms(work: Callable[[CertificateDocument], object], documents: Sequence[CertificateDocument]) -> float:
    times = []
    for document in documents:
        start = time.perf_counter()
        work(document)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _subset(document: CertificateDocument) -> object:
    from reportlab.pdfbase import pdfmetrics

    face = pdfmetrics.getFont(PRIMARY_NAME).face
    text = document.holder_name + document.institution_name + document.subject_name + "职业技能等级证书电子证书"
    return face.makeSubset(sorted({ord(char) for char in text}))


def per_certificate(sample: Sequence[CertificateDocument]) -> dict[str, float]:
    """Milliseconds per certificate on this core, each stage on its own."""
    template = load_template("hunan", sample[0].kind)
    fonts = font_stack()
    render_certificate(sample[0], profile="hunan", variant=Variant.ELECTRONIC)  # warm: fonts, templates
    return {
        "electronic PDF, whole": _median_ms(
            lambda d: render_certificate(d, profile="hunan", variant=Variant.ELECTRONIC), sample
        ),
        "print PDF, whole": _median_ms(lambda d: render_certificate(d, profile="hunan", variant=Variant.PRINT), sample),
        "layout (compose)": _median_ms(lambda d: compose(template, d, Variant.ELECTRONIC, fonts), sample),
        "QR matrix, fixed mask": _median_ms(lambda d: make_code(d.qr_url, mask=FIXED_MASK), sample),
        "font subset (ReportLab)": _median_ms(_subset, sample),
        "QR PNG+SVG, fixed mask + direct writers": _median_ms(lambda d: render_pair(d.qr_url, d.number), sample),
        "QR PNG+SVG, best mask + segno writers (baseline)": _median_ms(
            lambda d: (lambda code: (png_bytes(code), svg_bytes(code, title=d.number)))(make_code(d.qr_url)), sample
        ),
    }


def pdf_run(documents: Sequence[CertificateDocument]) -> float:
    start = time.perf_counter()
    count = 0
    for result in render_many(documents, profile="hunan", variant=Variant.ELECTRONIC):
        assert not isinstance(result, Failure), result.message
        count += len(result) > 0
    elapsed = time.perf_counter() - start
    assert count == len(documents)
    return elapsed


def qr_zip_run(items: Sequence[tuple[str, str]], directory: str) -> float:
    start = time.perf_counter()
    path = os.path.join(directory, "qr.zip")
    with zipfile.ZipFile(path, "w") as archive:
        for (_, number), (png, svg) in zip(items, render_qr_many(items), strict=True):
            archive.writestr(zipfile.ZipInfo(f"{number}.png"), png, compress_type=zipfile.ZIP_STORED)
            archive.writestr(zipfile.ZipInfo(f"{number}.svg"), svg, compress_type=zipfile.ZIP_DEFLATED)
    elapsed = time.perf_counter() - start
    os.unlink(path)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdfs", type=int, default=10_000)
    parser.add_argument("--qrs", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sample", type=int, default=300)
    args = parser.parse_args()
    load_start = os.getloadavg()
    print(f"cores: {os.cpu_count()}; load average at start (1, 5, 15 min): {load_start}")
    sample = sample_documents(args.sample, seed=7)
    stages = per_certificate(sample)
    print(f"\n{'per certificate, one core (median of ' + str(len(sample)) + ')':<58} {'ms':>8}")
    for name, value in stages.items():
        print(f"{name:<58} {value:>8.2f}")
    baseline = stages["QR PNG+SVG, best mask + segno writers (baseline)"]
    qr_ratio = baseline / stages["QR PNG+SVG, fixed mask + direct writers"]
    print(f"{'QR speed-up over the baseline (ratio)':<58} {qr_ratio:>8.2f}")

    documents = sample_documents(args.pdfs, seed=11)
    pdf_times = [pdf_run(documents) for _ in range(args.runs)]
    items = [(d.qr_url, d.number) for d in sample_documents(min(args.qrs, 20_000), seed=13)]
    items = [(url, f"{index:06d}") for index, (url, _) in zip(range(args.qrs), _cycle(items, args.qrs), strict=False)]
    with tempfile.TemporaryDirectory(prefix="certreg-bench-") as directory:
        qr_times = [qr_zip_run(items, directory) for _ in range(args.runs)]
    pdf_10k = statistics.median(pdf_times) * 10_000 / args.pdfs
    qr_100k = statistics.median(qr_times) * 100_000 / args.qrs
    print(f"\n{'batch, every core':<40} {'runs (s)':>28} {'median':>8} {'scaled':>8} {'target':>7}")
    print(f"{f'{args.pdfs} electronic PDFs':<40} {' '.join(f'{t:.1f}' for t in pdf_times):>28} "
          f"{statistics.median(pdf_times):>8.1f} {pdf_10k:>8.1f} {60:>7}")  # fmt: skip
    print(f"{f'qr.zip of {args.qrs} rows (PNG+SVG)':<40} {' '.join(f'{t:.1f}' for t in qr_times):>28} "
          f"{statistics.median(qr_times):>8.1f} {qr_100k:>8.1f} {120:>7}")  # fmt: skip
    print(f"{'qr.zip served from the kept file':<40} {'phase 2: no kept file yet':>28} {'null':>8}")
    print(f"load average at end (1, 5, 15 min): {os.getloadavg()}")
    print(json.dumps({"pdf_10k_seconds": round(pdf_10k, 1), "qr_zip_100k_seconds": round(qr_100k, 1),
                      "qr_zip_cached_seconds": None}))  # fmt: skip


def _cycle(items: Sequence[tuple[str, str]], count: int) -> list[tuple[str, str]]:
    """``count`` items, repeating ``items`` (signing 100,000 tokens would time the signer, not the QR)."""
    return [items[index % len(items)] for index in range(count)]


if __name__ == "__main__":
    main()
