"""Batches: an assessment session's results from one institution, on their way to certificates.

``Batch.state`` is the projection of the batch's transition events (every transition appends an event in
the same transaction; the history shown to users is read from the events).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from registry.models.base import Base, BigIntPK, UTCDateTime, utcnow


class Batch(Base):
    __tablename__ = "batch"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    institution_code: Mapped[str] = mapped_column(ForeignKey("institution.code"), index=True)
    kind: Mapped[str] = mapped_column(String(24))  # CertificateKind
    assessed_on: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(24), index=True)
    authority_code: Mapped[str | None] = mapped_column(ForeignKey("authority.code"))
    file_name: Mapped[str] = mapped_column(String(256), default="")
    file_sha256: Mapped[bytes] = mapped_column(LargeBinary(32))
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    bad_row_count: Mapped[int] = mapped_column(Integer, default=0)
    excluded_count: Mapped[int] = mapped_column(Integer, default=0)
    held_count: Mapped[int] = mapped_column(Integer, default=0)
    submitted_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    notice_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notice_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class BatchRow(Base):
    """One row of an imported file, as validated; the raw ID number is kept only as digest and mask."""

    __tablename__ = "batch_row"
    __table_args__ = (
        UniqueConstraint("batch_id", "row_no"),
        Index("ix_batch_row_batch_status", "batch_id", "status"),
        # duplicate checks across batches not yet issued (migration 0002_batches)
        Index("ix_batch_row_holder", "holder_id_digest", "subject_code", "level"),
    )
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id"))
    row_no: Mapped[int] = mapped_column(Integer)  # row number in the file as the user sees it
    holder_name: Mapped[str] = mapped_column(String(64))
    holder_id_digest: Mapped[bytes] = mapped_column(LargeBinary(32))
    holder_id_masked: Mapped[str] = mapped_column(String(20))
    subject_code: Mapped[str] = mapped_column(String(32))
    level: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # ok, bad, excluded, held, issued
    problems: Mapped[str] = mapped_column(Text, default="")  # JSON list of row problems
    certificate_number: Mapped[str | None] = mapped_column(String(32))
    #: The row's checked document, number sealed (``None`` for a row whose number is not valid, and for rows
    #: stored before migration 0009).
    holder_identity_id: Mapped[str | None] = mapped_column(ForeignKey("holder_identity.id"))
