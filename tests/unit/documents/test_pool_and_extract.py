"""Many certificates across processes, in order, a bad one reported in its place; the token comes back out."""

from __future__ import annotations

import zlib

import pytest

from issuer.documents.errors import TokenNotFoundError
from issuer.documents.extract import extract_token
from issuer.documents.model import Variant
from issuer.documents.pdfa import PdfInfo, xmp_packet
from issuer.documents.pool import Failure, render_many
from registry.vocab import CertificateKind
from tests.unit.documents.sample import ISSUED, document


def test_render_many_keeps_order_and_reports_a_bad_row_without_stopping() -> None:
    docs = [document(kind) for kind in CertificateKind]
    docs.insert(1, document(holder_name="王\U0002a6d6明"))  # U+2A6D6: in no shipped font
    results = list(render_many(docs, profile="hunan", variant=Variant.ELECTRONIC, processes=2, chunk=1))
    assert len(results) == 4
    failure = results[1]
    assert isinstance(failure, Failure)
    assert failure.code == "document.missing_glyph"
    assert failure.number == docs[1].number
    assert "王" not in failure.message
    for doc, result in zip([docs[0], *docs[2:]], [results[0], *results[2:]], strict=True):
        assert isinstance(result, bytes)
        assert extract_token(result) == doc.token


def test_a_pdf_without_a_token_is_refused() -> None:
    with pytest.raises(TokenNotFoundError, match="no certreg token"):
        extract_token(b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n")


def test_a_token_in_a_recompressed_metadata_stream_is_found() -> None:
    token = document().token
    xmp = xmp_packet(PdfInfo(title="t", author="a", subject="s", keywords="k", day=ISSUED, token=token))
    pdf = b"%PDF-1.7\n1 0 obj\n<< /Filter /FlateDecode >>\nstream\n" + zlib.compress(xmp) + b"\nendstream\nendobj\n"
    assert extract_token(pdf) == token


def test_two_different_tokens_are_refused() -> None:
    first = document().token
    second = document(CertificateKind.QUALIFICATION).token
    pdf = f"<certreg:token>{first}</certreg:token><certreg:token>{second}</certreg:token>".encode()
    with pytest.raises(TokenNotFoundError, match="conflicting"):
        extract_token(pdf)
