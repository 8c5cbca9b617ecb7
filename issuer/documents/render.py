"""Certificate PDFs: one certificate, several on one file for printing, and the operator's test page.

This is the entry point phase-2 routes and the CLI call. Templates and fonts are loaded once per process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from issuer.documents import pdf
from issuer.documents.compose import Page, compose
from issuer.documents.errors import DocumentError, NothingToPrintError
from issuer.documents.fontstack import font_stack
from issuer.documents.layout import load_profile_layout, load_template
from issuer.documents.model import CertificateDocument, Variant
from issuer.documents.pdfa import PdfInfo
from issuer.documents.testprint import test_print_page
from registry.vocab import KIND_LABELS_ZH, CertificateKind

__all__ = ["print_offset", "render_certificate", "render_print_run", "render_test_print"]


def print_offset(profile: str, offset_mm: tuple[float, float] | None = None) -> tuple[float, float]:
    """The print offset that applies: ``offset_mm`` (the deployment's setting) or else the profile's."""
    return _offset(profile, offset_mm)


def _offset(profile: str, offset_mm: tuple[float, float] | None) -> tuple[float, float]:
    if offset_mm is not None:
        return offset_mm
    layout = load_profile_layout(profile)
    return layout.print_offset_x_mm, layout.print_offset_y_mm


def _page(
    document: CertificateDocument,
    profile: str,
    variant: Variant,
    offset_mm: tuple[float, float] | None,
    fallbacks: tuple[str, ...],
) -> Page:
    template = load_template(profile, document.kind)
    return compose(template, document, variant, font_stack(fallbacks), offset_mm=_offset(profile, offset_mm))


def info_of(document: CertificateDocument) -> PdfInfo:
    """The metadata of an electronic certificate (no holder data but what the signed token holds)."""
    label = KIND_LABELS_ZH[document.kind]
    return PdfInfo(
        title=f"{label}（电子证书）{document.number}",
        author=document.institution_name or document.authority_name,
        subject=f"{label} {document.number}",
        keywords=f"电子证书, {label}, {document.number}",
        day=document.issued_on,
        token=document.token,
    )


def render_certificate(
    document: CertificateDocument,
    *,
    profile: str,
    variant: Variant,
    offset_mm: tuple[float, float] | None = None,
    fallbacks: tuple[str, ...] = (),
) -> bytes:
    """The PDF of one certificate. ``offset_mm`` overrides the profile's print offset (print variant only);
    ``fallbacks`` are extra TrueType font files tried after the shipped font. Raises
    :class:`~issuer.documents.errors.DocumentError` subclasses (missing glyph, overflow, template)."""
    page = _page(document, profile, variant, offset_mm, fallbacks)
    info = info_of(document) if variant is Variant.ELECTRONIC else None
    return pdf.render([page], font_stack(fallbacks), info=info)


def render_print_run(
    documents: Iterable[CertificateDocument],
    *,
    profile: str,
    offset_mm: tuple[float, float] | None = None,
    fallbacks: tuple[str, ...] = (),
    on_error: Callable[[CertificateDocument, DocumentError], None] | None = None,
) -> bytes:
    """The print variant of ``documents``, one page each, in one file for the printer. With ``on_error``, a
    document that cannot be laid out is handed to it and left out (the others print); without, it raises."""
    pages = []
    for document in documents:
        try:
            pages.append(_page(document, profile, Variant.PRINT, offset_mm, fallbacks))
        except DocumentError as exc:
            if on_error is None:
                raise
            on_error(document, exc)
    if not pages:
        raise NothingToPrintError(
            "没有可打印的证书（无封存的证件号码或版面放不下） / no certificate of these can be printed (no sealed "
            "document number, or none fits the layout)"
        )
    return pdf.render(pages, font_stack(fallbacks))


def render_test_print(
    profile: str,
    kind: CertificateKind,
    *,
    offset_mm: tuple[float, float] | None = None,
    fallbacks: tuple[str, ...] = (),
) -> bytes:
    """The test page of ``kind``'s blank stock: a millimetre ruler and grid fixed to the paper, and every
    printed box moved by the offset, so an operator sees on a blank how far to move the print."""
    template = load_template(profile, kind)
    page = test_print_page(template, _offset(profile, offset_mm), font_stack(fallbacks))
    return pdf.render([page], font_stack(fallbacks))
