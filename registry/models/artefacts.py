"""Files built once per batch and kept (issue 15, ``docs/certificates.md`` "Phase 2"): the QR archive, the
certificates zip and the print-run PDF.

A ``built_artefact`` row names one file of the file store (``Settings.document_dir``): which batch, what
(``kind``), which ``variant``, the SHA-256 and size of the bytes, and the ``revision`` of the batch it reflects
(a fingerprint of the batch's certificates and of every event that changes what they show). A request whose
batch revision differs rebuilds the file, re-rendering only the certificates whose own revision changed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from registry.models.base import Base, BigIntPK, UTCDateTime, utcnow


class BuiltArtefact(Base):
    __tablename__ = "built_artefact"
    __table_args__ = (UniqueConstraint("batch_id", "kind", "variant", name="uq_built_artefact_batch_kind_variant"),)
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id"))
    kind: Mapped[str] = mapped_column(String(32))  # qr_zip, certificates_zip, certificates_pdf
    variant: Mapped[str] = mapped_column(String(16))  # token/short (QR), print/electronic (certificates)
    revision: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[bytes] = mapped_column(LargeBinary(32))
    size: Mapped[int] = mapped_column(BigInteger)
    file_name: Mapped[str] = mapped_column(String(128))  # inside the file store
    members: Mapped[int] = mapped_column(Integer)  # certificates in the file
    failures: Mapped[int] = mapped_column(Integer)  # certificates that could not be drawn (manifest.csv)
    rendered: Mapped[int] = mapped_column(Integer)  # drawn by the build that made this file (others reused)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
