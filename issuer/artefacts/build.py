"""Building a batch's files: the QR archive, the certificates zip and the print-run PDF.

A build runs on a worker thread (the event loop keeps serving) and draws on every core
(:func:`issuer.documents.pool.render_many`, :func:`issuer.qr.render_many`: fixed QR mask, direct writers).
It pulls what it draws from the database page by page through the event loop
(:func:`asyncio.run_coroutine_threadsafe`), so memory holds a few pages, never the batch.

**Only what changed is drawn again.** Each member of a kept file is recorded with the revision it was drawn at
(:class:`issuer.artefacts.sources.Member`: its issue, its latest print, plus the batch's latest photo upload);
a rebuild copies the entries of members whose revision is unchanged from the kept archive and draws the
others. A revoked or superseded certificate leaves the certificates zip (``manifest.csv`` says why); a QR
code never changes, so a QR archive only gains members. The print-run PDF is one document whose pages cannot
be copied between files by the libraries we ship: it is drawn whole (its pages are the cheap print variant).
"""

from __future__ import annotations

import asyncio
import zipfile
from collections.abc import Callable, Coroutine, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final, Protocol, TypeVar

import msgspec

from issuer.artefacts.sources import PAGE, Member, Unsealed
from issuer.artefacts.store import ArtefactKind, Built, FileStore, Manifest
from issuer.documents.errors import DocumentError, NothingToPrintError
from issuer.documents.model import CertificateDocument, Variant
from issuer.documents.pool import Failure, render_many
from issuer.documents.render import render_print_run
from issuer.qr import Mode, file_stem, qr_url
from issuer.qr import render_many as render_qr_many
from registry.rules.freetext import spreadsheet_safe

T = TypeVar("T")
MANIFEST: Final = "manifest.csv"
#: Written in manifest.csv for a certificate that has no photo (the box is left empty).
NO_PHOTO: Final = "无照片，照片框留空 / no photo: the box is left empty"
#: Why a batch none of whose certificates is valid any more (each revoked or superseded) gets no document file.
NO_VALID_CERTIFICATE: Final = (
    "批次中没有有效的证书可打印（均已撤销或已换发、补发）/ the batch has no valid certificate to print (each is "
    "revoked or superseded)"
)
NOT_VALID: Final = "证书已撤销或已换发（补发），未包含 / revoked or superseded: not included"

#: Loads the documents of some numbers (a coroutine run on the event loop).
DocumentLoader = Callable[[Sequence[str]], Coroutine[Any, Any, list[CertificateDocument | Unsealed]]]
#: Loads (number, statement, signature) of some numbers.
TokenLoader = Callable[[Sequence[str]], Coroutine[Any, Any, list[tuple[str, bytes, bytes]]]]
Progress = Callable[[int], None]


class BuildJob(msgspec.Struct, frozen=True, kw_only=True):
    """What to build: which file, from which members, at which revisions."""

    batch_id: int
    kind: ArtefactKind
    variant: str
    revision: str
    members: list[Member]
    member_stamp: str  # added to each member's revision (the photo uploads and the render key)
    profile: str
    public_url: str
    processes: int | None = None
    #: The deployment's print offset (``CERTREG_PRINT_OFFSET_MM``; ``None``: the profile's) and fallback fonts
    #: (``CERTREG_FALLBACK_FONTS``): both are part of ``revision`` and ``member_stamp`` (services.render_key).
    offset_mm: tuple[float, float] | None = None
    fallbacks: tuple[str, ...] = ()


def _on_loop(loop: asyncio.AbstractEventLoop, coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run_coroutine_threadsafe(coroutine, loop).result()


def _pages(numbers: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(numbers), PAGE):
        yield numbers[start : start + PAGE]


def _entry(name: str, compress: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))  # no build time inside: same input, same bytes
    info.compress_type = compress
    return info


def _manifest_text(lines: Iterable[Sequence[str]], header: str) -> bytes:
    body = "".join(",".join(spreadsheet_safe(cell) for cell in cells) + "\r\n" for cells in lines)
    return ("\ufeff" + header + "\r\n" + body).encode()


class _Reuse:
    """Entries of the kept archive that the new one copies unchanged."""

    def __init__(self, store: FileStore, target: Path, job: BuildJob) -> None:
        old = store.read_manifest(target)
        self.archive = zipfile.ZipFile(target) if old and target.exists() else None
        self.old = old

    def usable(self, number: str, revision: str) -> list[str] | None:
        found = self.old.get(number)
        return found[1] if found is not None and found[0] == revision and self.archive is not None else None

    def close(self) -> None:
        if self.archive is not None:
            self.archive.close()


def _revision(job: BuildJob, member: Member) -> str:
    return f"{member.revision}.{job.member_stamp}"


class _PdfEntries:
    """Writes one member's entry of a certificates zip: copied from the kept file, drawn, or a manifest line."""

    def __init__(
        self, job: BuildJob, reuse: _Reuse, rendered: Iterator[bytes | Failure], notes: dict[str, str]
    ) -> None:
        self.job, self.reuse, self.rendered, self.notes = job, reuse, rendered, notes
        self.manifest: Manifest = {}
        self.lines: list[list[str]] = []
        self.failures = 0

    def add(self, archive: zipfile.ZipFile, member: Member) -> None:
        if not member.valid:
            self.lines.append([member.number, "", NOT_VALID])
            return
        name, revision = f"{file_stem(member.number)}.pdf", _revision(self.job, member)
        kept = self.reuse.usable(member.number, revision)
        if kept is not None:
            assert self.reuse.archive is not None
            data = self.reuse.archive.read(kept[0])
            archive.writestr(_entry(name, zipfile.ZIP_STORED), data)  # a PDF is Flate-compressed inside
            self.manifest[member.number] = (revision, kept)
            self.lines.append([member.number, name, kept[1] if len(kept) > 1 else ""])
            return
        result = next(self.rendered)
        if isinstance(result, Failure):
            self.failures += 1
            self.lines.append([member.number, "", f"{result.code}: {result.message}"])
            return
        archive.writestr(_entry(name, zipfile.ZIP_STORED), result)
        note = self.notes.pop(member.number, "")
        self.manifest[member.number] = (revision, [name, note] if note else [name])
        self.lines.append([member.number, name, note])


class _Closable(Protocol):
    def close(self) -> None: ...


@contextmanager
def _archive(temporary: Path, *workers: _Closable) -> Iterator[zipfile.ZipFile]:
    """The ZIP being built at ``temporary``: removed if the build fails, and ``workers`` (the render pool's
    results, the reused archive) closed either way — closing the results stops the worker pool of a build
    that failed half way."""
    try:
        with zipfile.ZipFile(temporary, "w") as archive:
            yield archive
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    finally:
        for worker in workers:
            worker.close()


def build_certificates_zip(
    job: BuildJob, store: FileStore, loop: asyncio.AbstractEventLoop, load: DocumentLoader, progress: Progress | None
) -> Built:
    """One PDF per valid certificate (``{number}.pdf``, ``*`` written ``_x``) and ``manifest.csv``."""
    target = store.path(job.batch_id, job.kind, job.variant)
    temporary = target.with_name(target.name + ".tmp")
    reuse = _Reuse(store, target, job)
    valid = [member for member in job.members if member.valid]
    if not valid:  # a zip of only a manifest answered 200 where the batch's print run is a 409: the same 409
        raise NothingToPrintError(NO_VALID_CERTIFICATE)
    fresh = [m.number for m in valid if reuse.usable(m.number, _revision(job, m)) is None]
    notes: dict[str, str] = {}

    def documents() -> Iterator[CertificateDocument | Failure]:
        for page in _pages(fresh):
            for document in _on_loop(loop, load(page)):
                if isinstance(document, Unsealed):
                    yield Failure(number=document.number, code=document.code, message=document.message)
                    continue
                if document.photo is None:
                    notes[document.number] = NO_PHOTO
                yield document

    rendered = render_many(
        documents(), profile=job.profile, variant=Variant(job.variant), processes=job.processes,
        offset_mm=job.offset_mm, fallbacks=job.fallbacks,
    )  # fmt: skip
    entries = _PdfEntries(job, reuse, rendered, notes)
    with _archive(temporary, rendered, reuse) as archive:
        for done, member in enumerate(job.members, start=1):
            entries.add(archive, member)
            if progress is not None:
                progress(done)
        archive.writestr(_entry(MANIFEST, zipfile.ZIP_DEFLATED), _manifest_text(entries.lines, "number,file,note"))
    manifest, failures = entries.manifest, entries.failures
    sha256, size = store.commit(temporary, target, manifest)
    return Built(path=str(target), revision=job.revision, sha256=sha256, size=size, members=len(manifest),
                 failures=failures, rendered=len(fresh))  # fmt: skip


def build_certificates_pdf(
    job: BuildJob, store: FileStore, loop: asyncio.AbstractEventLoop, load: DocumentLoader, progress: Progress | None
) -> Built:
    """Every valid certificate's print page in one PDF, in row order (drawn whole, see the module text)."""
    target = store.path(job.batch_id, job.kind, job.variant)
    temporary = target.with_name(target.name + ".tmp")
    valid = [member.number for member in job.members if member.valid]
    if not valid:  # not "no sealed number or none fits": there is nothing current to print at all
        raise NothingToPrintError(NO_VALID_CERTIFICATE)
    left_out: list[str] = []
    done = 0

    def documents() -> Iterator[CertificateDocument]:
        nonlocal done
        for page in _pages(valid):
            for document in _on_loop(loop, load(page)):
                done += 1
                if progress is not None:
                    progress(done)
                if isinstance(document, Unsealed):
                    left_out.append(document.number)
                    continue
                yield document

    def failed(document: CertificateDocument, _: DocumentError) -> None:
        left_out.append(document.number)

    data = render_print_run(
        documents(), profile=job.profile, offset_mm=job.offset_mm, fallbacks=job.fallbacks, on_error=failed
    )  # NothingToPrintError: 409
    temporary.write_bytes(data)
    manifest: Manifest = {number: (_revision(job, m), []) for m in job.members if m.valid for number in [m.number]}
    for number in left_out:
        manifest.pop(number, None)
    sha256, size = store.commit(temporary, target, manifest)
    return Built(path=str(target), revision=job.revision, sha256=sha256, size=size, members=len(manifest),
                 failures=len(left_out), rendered=len(manifest))  # fmt: skip


def build_qr_zip(
    job: BuildJob, store: FileStore, loop: asyncio.AbstractEventLoop, load: TokenLoader, progress: Progress | None
) -> Built:
    """``{number}.svg`` and ``{number}.png`` per certificate of the batch, in row order, and ``manifest.csv``
    (number, svg, png); QR codes with the fixed mask (``docs/certificates.md``)."""
    target = store.path(job.batch_id, job.kind, job.variant)
    temporary = target.with_name(target.name + ".tmp")
    reuse = _Reuse(store, target, job)
    fresh = [m.number for m in job.members if reuse.usable(m.number, "qr") is None]
    mode = Mode(job.variant)

    def items() -> Iterator[tuple[str, str]]:
        for page in _pages(fresh):
            for number, statement, signature in _on_loop(loop, load(page)):
                yield qr_url(job.public_url, number=number, statement=statement, signature=signature, mode=mode), number

    drawn = render_qr_many(items(), processes=job.processes)
    manifest: Manifest = {}
    lines = []
    with _archive(temporary, drawn, reuse) as archive:
        for done, member in enumerate(job.members, start=1):
            stem = file_stem(member.number)
            svg_name, png_name = f"{stem}.svg", f"{stem}.png"
            kept = reuse.usable(member.number, "qr")
            if kept is not None:
                assert reuse.archive is not None
                svg, png = reuse.archive.read(kept[0]), reuse.archive.read(kept[1])
            else:
                png, svg = next(drawn)
            archive.writestr(_entry(svg_name, zipfile.ZIP_DEFLATED), svg)
            archive.writestr(_entry(png_name, zipfile.ZIP_STORED), png)  # already deflate-compressed
            manifest[member.number] = ("qr", [svg_name, png_name])
            lines.append([member.number, svg_name, png_name])
            if progress is not None:
                progress(done)
        archive.writestr(_entry(MANIFEST, zipfile.ZIP_DEFLATED), _manifest_text(lines, "number,svg,png"))
    sha256, size = store.commit(temporary, target, manifest)
    return Built(path=str(target), revision=job.revision, sha256=sha256, size=size, members=len(manifest),
                 failures=0, rendered=len(fresh))  # fmt: skip
