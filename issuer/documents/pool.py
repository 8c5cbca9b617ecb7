"""Render many certificates across every core: the batch build behind ``certificates.zip``/``.pdf``.

Each worker process loads the fonts and templates once (its initializer) and renders chunks of documents;
results come back in input order. A certificate that cannot be drawn (a character in no font, a value too
long for its box) does not stop the batch: its place holds a :class:`Failure` with the error's code and
message, so the caller can report that row and go on.
"""

from __future__ import annotations

import functools
from collections.abc import Generator, Iterable, Sequence

import msgspec

from issuer.documents.errors import DocumentError
from issuer.documents.fontstack import font_stack
from issuer.documents.layout import load_profile_layout, load_template
from issuer.documents.model import CertificateDocument, Variant
from issuer.documents.render import render_certificate
from issuer.workers import pool_map
from registry.vocab import CertificateKind

CHUNK = 32


class Failure(msgspec.Struct, frozen=True, kw_only=True):
    """A certificate of the batch that was not rendered, and why (no personal data in ``message``)."""

    number: str
    code: str
    message: str


def _warm(profile: str, fallbacks: tuple[str, ...]) -> None:
    font_stack(fallbacks)
    load_profile_layout(profile)
    for kind in CertificateKind:
        load_template(profile, kind)


def _render_chunk(
    documents: Sequence[CertificateDocument | Failure],
    *,
    profile: str,
    variant: Variant,
    offset_mm: tuple[float, float] | None,
    fallbacks: tuple[str, ...],
) -> list[bytes | Failure]:
    results: list[bytes | Failure] = []
    for document in documents:
        if isinstance(document, Failure):  # known before rendering (e.g. no sealed number): kept in its place
            results.append(document)
            continue
        try:
            results.append(
                render_certificate(document, profile=profile, variant=variant, offset_mm=offset_mm, fallbacks=fallbacks)
            )
        except DocumentError as exc:
            results.append(Failure(number=document.number, code=exc.code, message=str(exc)))
    return results


def render_many(
    documents: Iterable[CertificateDocument | Failure],
    *,
    profile: str,
    variant: Variant,
    processes: int | None = None,
    offset_mm: tuple[float, float] | None = None,
    fallbacks: tuple[str, ...] = (),
    chunk: int = CHUNK,
) -> Generator[bytes | Failure, None, None]:
    """The PDF (or :class:`Failure`) of each document, in order, rendered by ``processes`` workers. A
    :class:`Failure` among ``documents`` is passed through in its place (a row known to be unprintable)."""
    work = functools.partial(_render_chunk, profile=profile, variant=variant, offset_mm=offset_mm, fallbacks=fallbacks)
    warm = functools.partial(_warm, profile, fallbacks)
    return pool_map(work, documents, processes=processes, chunk=chunk, initializer=warm)
