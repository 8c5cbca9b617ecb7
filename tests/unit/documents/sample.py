"""Certificates of every kind with real signed tokens, and the poppler tools the document tests read PDFs with."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import msgspec
import pytest
from PIL import Image

from issuer.documents.model import CertificateDocument
from registry.qrtoken import encode_token, token_url
from registry.statement import days_since_epoch
from registry.vocab import CertificateKind
from tests.conftest import IN_CI
from tests.unit.statement.world import signed, typical

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "test-artifacts" / "documents"
PUBLIC_URL = "https://zscx.rst.example.gov.cn"
ISSUED = date(2025, 6, 30)
NUMBERS = {
    CertificateKind.SKILL_LEVEL: "S000043000123253000011",
    CertificateKind.QUALIFICATION: "2543012001300012",
    CertificateKind.SPECIAL_ABILITY: "43010020250A0100001X",
}


def photo_jpeg(size: tuple[int, int] = (330, 440), color: tuple[int, int, int] = (40, 90, 160)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", quality=85)
    return out.getvalue()


def document(kind: CertificateKind = CertificateKind.SKILL_LEVEL, **changes: Any) -> CertificateDocument:
    """A certificate of ``kind`` whose QR URL carries a token really signed over its fields."""
    level = 0 if kind is CertificateKind.SPECIAL_ABILITY else 4
    name = changes.get("holder_name", "张三丰")
    subject = "6-31-01-03" if kind is not CertificateKind.SPECIAL_ABILITY else "0A01"
    statement = typical(
        number=NUMBERS[kind], kind=kind.statement_code, holder_name=name, level=level, subject_code=subject,
        issued_on=days_since_epoch(ISSUED),
    )  # fmt: skip
    token = encode_token(*signed(statement))
    base = CertificateDocument(
        kind=kind,
        number=NUMBERS[kind],
        holder_name=name,
        document_type="居民身份证",
        document_number="430102199001011234",
        subject_name="电工" if kind is not CertificateKind.SPECIAL_ABILITY else "湘绣针法",
        subject_code=subject,
        trade="维修电工" if kind is not CertificateKind.SPECIAL_ABILITY else "",
        level=level,
        institution_name="长沙市第一职业技能鉴定所",
        institution_code="S000043000123",
        authority_name="湖南省职业技能鉴定中心",
        issued_on=ISSUED,
        qr_url=token_url(PUBLIC_URL, token),
        query_url=PUBLIC_URL,
        print_serial="HN2025000123",
        remark="补发" if kind is CertificateKind.QUALIFICATION else "",
        photo=photo_jpeg(),
    )
    return msgspec.structs.replace(base, **changes)


def poppler(tool: str, *args: str, data: bytes | None = None) -> bytes:
    """Run a poppler-utils ``tool`` (Debian's, installed by ``make test``); skip without it, fail under CI."""
    if shutil.which(tool) is None:
        message = f"{tool} (Debian poppler-utils) is not installed"
        if IN_CI:
            pytest.fail(f"CI=true and {message}")
        pytest.skip(message)
    with tempfile.TemporaryDirectory(prefix="certreg-pdf-") as scratch:
        if data is not None:  # not every poppler tool reads standard input: the PDF goes in a file, "-" names it
            source = Path(scratch) / "in.pdf"
            source.write_bytes(data)
            args = tuple(str(source) if index == 0 and arg == "-" else arg for index, arg in _first_dash(args))
        return subprocess.run([tool, *args], capture_output=True, check=True, timeout=60).stdout


def _first_dash(args: tuple[str, ...]) -> list[tuple[int, str]]:
    """Index 0 for the first ``-`` argument (the input), 1 for every other argument."""
    first = args.index("-") if "-" in args else -1
    return [(0 if index == first else 1, arg) for index, arg in enumerate(args)]


def pdf_text(pdf: bytes) -> str:
    return poppler("pdftotext", "-enc", "UTF-8", "-", "-", data=pdf).decode()


def page_png(pdf: bytes, path: Path, dpi: int = 150) -> Path:
    """Page 1 of ``pdf`` rendered to ``path`` (PNG) by pdftoppm.

    Rendered in a folder of this call's own, then moved into place: the SQLite and PostgreSQL variants of a test
    run on both xdist workers at once and name the same artefact, and a shared ``.pdf`` beside it was unlinked by
    one while the other's pdftoppm still wanted it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent) as scratch:
        source = Path(scratch) / "page.pdf"
        source.write_bytes(pdf)
        poppler("pdftoppm", "-r", str(dpi), "-png", "-singlefile", "-f", "1", "-l", "1", str(source), f"{scratch}/page")
        Path(scratch, "page.png").replace(path)
    return path
