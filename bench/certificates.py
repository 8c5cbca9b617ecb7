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
* ``qr_zip_cached_seconds`` and the built figures (phase 2, ``bench/certificates_built.py``, PostgreSQL, one
  run): a batch of ``--built-qrs`` rows issued, its ``qr.zip`` built from the registry by the build-once
  service (``qr_zip_built_seconds``, scaled to 100,000) and downloaded again from the kept file
  (``qr_zip_cached_seconds``: every byte read); a batch of ``--built-pdfs`` rows with sealed identities and its
  electronic ``certificates.zip`` built (``pdf_10k_built_seconds``, scaled to 10,000). ``--no-db`` skips it.
  ``qr_zip_100k_seconds`` in the last line is the built figure when it ran (the pool-only one otherwise).

Where the time goes is timed per certificate on one core (medians over ``--sample`` documents): the whole
render, the layout (``compose``), the QR matrix, the font subset, and the old per-code QR path (segno's
mask search and writers) as the baseline of the ratio. The load average of the machine is printed with
the figures, since other processes share its two cores. Last line: one JSON object.
Run: ``.venv/bin/python -m bench.certificates [--pdfs 10000 --qrs 100000 --runs 3]``.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import statistics
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence

from bench.certificates_built import BuiltFigures, measure
from bench.database import ScratchDatabase, add_arguments, scratch_name
from bench.flags import bench_parser
from bench.samples import sample_documents
from issuer.documents.compose import compose
from issuer.documents.fontstack import PRIMARY_NAME, font_stack
from issuer.documents.layout import load_template
from issuer.documents.model import CertificateDocument, Variant
from issuer.documents.pool import Failure, render_many
from issuer.documents.render import render_certificate
from issuer.qr import FIXED_MASK, fast_matrix, make_code, png_bytes, render_pair, svg_bytes
from issuer.qr import render_many as render_qr_many


def _median_ms(work: Callable[[CertificateDocument], object], documents: Sequence[CertificateDocument]) -> float:
    """Median CPU milliseconds of ``work`` per document: CPU time, not wall time, so that the other
    processes sharing the two cores do not count (they do count in the batch wall times below)."""
    times = []
    for document in documents:
        start = time.process_time()
        work(document)
        times.append(time.process_time() - start)
    return statistics.median(times) * 1000


def _cpu() -> float:
    """CPU seconds of this process and of its children that have ended (the pool's workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _subset(document: CertificateDocument) -> object:
    from reportlab.pdfbase import pdfmetrics

    face = pdfmetrics.getFont(PRIMARY_NAME).face
    text = document.holder_name + document.institution_name + document.subject_name + "职业技能等级证书电子证书"
    return face.makeSubset(sorted({ord(char) for char in text}))


def _segno_pair(document: CertificateDocument) -> tuple[bytes, bytes]:
    """The old per-code path: segno picks the best of eight masks, and writes PNG and SVG itself."""
    code = make_code(document.qr_url)
    return png_bytes(code), svg_bytes(code, title=document.number)


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
        "QR matrix (issuer.qrmatrix, fixed mask)": _median_ms(lambda d: fast_matrix(d.qr_url), sample),
        "QR matrix (segno, fixed mask)": _median_ms(lambda d: make_code(d.qr_url, mask=FIXED_MASK), sample),
        "font subset (ReportLab)": _median_ms(_subset, sample),
        "QR PNG+SVG, fixed mask + direct writers": _median_ms(lambda d: render_pair(d.qr_url, d.number), sample),
        "QR PNG+SVG, best mask + segno writers (baseline)": _median_ms(_segno_pair, sample),
    }


Run = tuple[float, float]  # (wall seconds, CPU seconds of every process)


def pdf_run(documents: Sequence[CertificateDocument]) -> Run:
    start, cpu = time.perf_counter(), _cpu()
    count = 0
    for result in render_many(documents, profile="hunan", variant=Variant.ELECTRONIC):
        assert not isinstance(result, Failure), result.message
        count += len(result) > 0
    elapsed = time.perf_counter() - start
    assert count == len(documents)
    return elapsed, _cpu() - cpu


def qr_zip_run(items: Sequence[tuple[str, str]], directory: str) -> Run:
    start, cpu = time.perf_counter(), _cpu()
    path = os.path.join(directory, "qr.zip")
    with zipfile.ZipFile(path, "w") as archive:
        for (_, number), (png, svg) in zip(items, render_qr_many(items), strict=True):
            archive.writestr(zipfile.ZipInfo(f"{number}.png"), png, compress_type=zipfile.ZIP_STORED)
            archive.writestr(zipfile.ZipInfo(f"{number}.svg"), svg, compress_type=zipfile.ZIP_DEFLATED)
    elapsed = time.perf_counter() - start
    os.unlink(path)
    return elapsed, _cpu() - cpu


def main() -> None:
    parser = bench_parser(
        __doc__.splitlines()[0], pdfs=10_000, qrs=100_000, runs=3, sample=300, built_qrs=100_000, built_pdfs=10_000
    )
    parser.add_argument("--no-db", action="store_true", help="skip the build-once figures (no PostgreSQL)")
    add_arguments(parser, default_name=scratch_name("certreg_bench_certificates"))
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
    cores = os.cpu_count() or 1
    rows = [
        (f"{args.pdfs} electronic PDFs", pdf_times, 10_000 / args.pdfs, 60),
        (f"qr.zip of {args.qrs} rows (PNG+SVG)", qr_times, 100_000 / args.qrs, 120),
    ]
    print(f"\n{'batch, every core':<36} {'wall s (runs)':>22} {'median':>7} {'CPU s':>7} {'CPU/' + str(cores):>7} "
          f"{'scaled':>7} {'target':>7}")  # fmt: skip
    figures = []
    for label, runs, scale, target in rows:
        wall = statistics.median(run[0] for run in runs)
        cpu = statistics.median(run[1] for run in runs)
        figures.append((wall * scale, cpu / cores * scale))
        print(f"{label:<36} {' '.join(f'{run[0]:.1f}' for run in runs):>22} {wall:>7.1f} {cpu:>7.1f} "
              f"{cpu / cores:>7.1f} {wall * scale:>7.1f} {target:>7}")  # fmt: skip
    built: BuiltFigures | None = None
    if not args.no_db:
        scratch = ScratchDatabase(args.pg_admin_url, args.db_name)
        built = asyncio.run(measure(scratch, qr_rows=args.built_qrs, pdf_rows=args.built_pdfs))
        _print_built(built)
    print("CPU/2 = the CPU seconds of every process divided by the cores: the wall time on an idle machine.")
    print(f"load average at end (1, 5, 15 min): {os.getloadavg()}")
    (pdf_wall, pdf_idle), (qr_wall, qr_idle) = figures
    print(f"scaled wall time under this load: {pdf_wall:.1f} s for 10,000 PDFs, {qr_wall:.1f} s for 100,000 QR rows")
    qr_built = built.qr_build_seconds * 100_000 / built.qr_rows if built else None
    pdf_built = (
        built.pdf_build_seconds * 10_000 / built.pdf_rows if built and built.pdf_build_seconds is not None else None
    )
    print(json.dumps({
        "pdf_10k_seconds": round(pdf_wall, 1),
        "qr_zip_100k_seconds": round(qr_built if qr_built is not None else qr_wall, 1),
        "qr_zip_cached_seconds": round(built.qr_cached_seconds, 2) if built else None,
        "pdf_10k_built_seconds": round(pdf_built, 1) if pdf_built is not None else None,
        "qr_zip_100k_built_cpu_per_core_seconds": (
            round(built.qr_build_cpu / cores * 100_000 / built.qr_rows, 1) if built else None
        ),
        "qr_zip_100k_pool_only_seconds": round(qr_wall, 1),
        "pdf_10k_cpu_per_core_seconds": round(pdf_idle, 1),
        "qr_zip_100k_cpu_per_core_seconds": round(qr_idle, 1),
    }))  # fmt: skip


def _print_built(built: BuiltFigures) -> None:
    """The build-once figures: built from the registry, then served from the kept file."""
    cores = os.cpu_count() or 1
    print(f"\n{'build once (PostgreSQL, one run)':<40} {'rows':>7} {'wall s':>8} {'CPU/' + str(cores):>7} {'MB':>7} "
          f"{'target':>11}")  # fmt: skip
    print(f"{'qr.zip built from the registry':<40} {built.qr_rows:>7} {built.qr_build_seconds:>8.1f} "
          f"{built.qr_build_cpu / cores:>7.1f} {built.qr_bytes / 1e6:>7.1f} {'120 (100k)':>11}")  # fmt: skip
    print(f"{'qr.zip again, from the kept file':<40} {built.qr_rows:>7} {built.qr_cached_seconds:>8.2f} "
          f"{'':>7} {built.qr_bytes / 1e6:>7.1f} {'2':>11}")  # fmt: skip
    if built.pdf_build_seconds is not None and built.pdf_bytes is not None and built.pdf_build_cpu is not None:
        print(f"{'certificates.zip (electronic) built':<40} {built.pdf_rows:>7} {built.pdf_build_seconds:>8.1f} "
              f"{built.pdf_build_cpu / cores:>7.1f} {built.pdf_bytes / 1e6:>7.1f} {'60 (10k)':>11}")  # fmt: skip


def _cycle(items: Sequence[tuple[str, str]], count: int) -> list[tuple[str, str]]:
    """``count`` items, repeating ``items`` (signing 100,000 tokens would time the signer, not the QR)."""
    return [items[index % len(items)] for index in range(count)]


if __name__ == "__main__":
    main()
