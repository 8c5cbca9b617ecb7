"""The file store of built files and their ``built_artefact`` rows; one builder at a time per file.

Files live under ``Settings.documents_path`` as ``batch-{id}/{kind}-{variant}.{ext}``, each with a sidecar
``….members.json`` (number → the revision it was drawn at and its file names) that lets a rebuild reuse
what did not change. A file is written under a temporary name and renamed into place, then its row is
stored: a reader sees the old file or the new one, never half of one.

Concurrent first requests build once: the builder holds an exclusive ``flock`` on the file's lock file
(across the server's worker processes and threads), and whoever waited looks again before building. The
store is local to one machine: several machines need a shared directory (NFS honours ``flock``) or one
builder each.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Final

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.models import BuiltArtefact

READ_CHUNK: Final = 256 * 1024


class ArtefactKind(StrEnum):
    """What a built file is."""

    QR_ZIP = "qr_zip"  # one SVG and one PNG per certificate
    CERTIFICATES_ZIP = "certificates_zip"  # one PDF per certificate
    CERTIFICATES_PDF = "certificates_pdf"  # every page in one file, for the printer

    @property
    def extension(self) -> str:
        return "pdf" if self is ArtefactKind.CERTIFICATES_PDF else "zip"


class Built(msgspec.Struct, frozen=True, kw_only=True):
    """A kept file: where, what it reflects, and what the build that made it did."""

    path: str
    revision: str
    sha256: bytes
    size: int
    members: int
    failures: int
    rendered: int


#: number → (member revision, file names inside the archive)
Manifest = dict[str, tuple[str, list[str]]]


class FileStore:
    """The directory of built files (created with mode 0700: the files hold full identities)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, batch_id: int, kind: ArtefactKind, variant: str) -> Path:
        return self.root / f"batch-{batch_id}" / f"{kind.value}-{variant}.{kind.extension}"

    def members_path(self, target: Path) -> Path:
        return target.with_name(target.name + ".members.json")

    def prepare(self, batch_id: int) -> Path:
        directory = self.root / f"batch-{batch_id}"
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        return directory

    def read_manifest(self, target: Path) -> Manifest:
        """What the kept file at ``target`` holds (empty when there is none or it cannot be read)."""
        try:
            raw = json.loads(self.members_path(target).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {number: (str(entry[0]), list(entry[1])) for number, entry in raw.items()} if target.exists() else {}

    def commit(self, temporary: Path, target: Path, manifest: Manifest) -> tuple[bytes, int]:
        """Move a finished build into place (manifest first, then the file); returns its SHA-256 and size."""
        digest = hashlib.sha256()
        with temporary.open("rb") as handle:
            while block := handle.read(READ_CHUNK):
                digest.update(block)
        side = self.members_path(target)
        side_tmp = side.with_name(side.name + ".tmp")
        side_tmp.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
        os.replace(side_tmp, side)
        os.replace(temporary, target)
        return digest.digest(), target.stat().st_size

    @contextlib.asynccontextmanager
    async def lock(self, batch_id: int, kind: ArtefactKind, variant: str) -> AsyncIterator[None]:
        """Hold the build lock of one file (waits on a worker thread, so the event loop keeps serving)."""
        directory = self.prepare(batch_id)
        descriptor = os.open(directory / f".{kind.value}-{variant}.lock", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            await asyncio.to_thread(fcntl.flock, descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)  # releases the lock


async def kept(session: AsyncSession, batch_id: int, kind: ArtefactKind, variant: str) -> BuiltArtefact | None:
    return await session.scalar(
        select(BuiltArtefact).where(
            BuiltArtefact.batch_id == batch_id, BuiltArtefact.kind == kind.value, BuiltArtefact.variant == variant
        )
    )


async def store_row(session: AsyncSession, batch_id: int, kind: ArtefactKind, variant: str, built: Built) -> None:
    """Insert or update the row of a kept file."""
    row = await kept(session, batch_id, kind, variant)
    if row is None:
        row = BuiltArtefact(batch_id=batch_id, kind=kind.value, variant=variant)
        session.add(row)
    row.revision, row.sha256, row.size = built.revision, built.sha256, built.size
    row.file_name = Path(built.path).name
    row.members, row.failures, row.rendered = built.members, built.failures, built.rendered
    row.built_at = datetime.now(UTC)


def read_chunks(path: Path, size: int) -> Iterator[bytes]:
    """``size`` bytes of ``path`` in chunks (the file may be replaced meanwhile: the open handle keeps the
    old one)."""
    with path.open("rb") as handle:
        left = size
        while left > 0 and (block := handle.read(min(READ_CHUNK, left))):
            left -= len(block)
            yield block
