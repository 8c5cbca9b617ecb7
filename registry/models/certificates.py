"""Issued certificates. A row is written once and never changed: status comes from its events.

The holder's ID number is stored only as a keyed digest (duplicate checks, reissue) and the masked form the
statement carries; ``statement`` holds the exact signed bytes, which are never re-encoded.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.models.base import Base, BigIntPK, UTCDateTime, utcnow


class Certificate(Base):
    __tablename__ = "certificate"
    __table_args__ = (
        Index("ix_certificate_holder", "holder_id_digest", "kind", "subject_code", "level"),
        Index("ix_certificate_batch", "batch_id"),
    )
    number: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    holder_name: Mapped[str] = mapped_column(String(64))
    holder_id_digest: Mapped[bytes] = mapped_column(LargeBinary(32))
    holder_id_masked: Mapped[str] = mapped_column(String(20))
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_code: Mapped[str] = mapped_column(String(32))
    level: Mapped[int] = mapped_column(Integer)
    #: No foreign keys on the four references a batch shares (institution, authority, batch, key): checked once
    #: per stored batch (:func:`registry.certificates.require_references`) and set-wise by ``certreg audit``,
    #: instead of four row-by-row checks per ``COPY``ed row (migration ``0012_references``, issue 12).
    institution_code: Mapped[str] = mapped_column(String(32))
    authority_code: Mapped[str] = mapped_column(String(16))
    assessed_on: Mapped[date] = mapped_column(Date)
    issued_on: Mapped[date] = mapped_column(Date)
    batch_id: Mapped[int | None] = mapped_column(BigIntPK)
    batch_row_no: Mapped[int | None] = mapped_column(Integer)
    supersedes: Mapped[str | None] = mapped_column(String(32))
    statement: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))
    kid: Mapped[str] = mapped_column(String(11))
    log_index: Mapped[int] = mapped_column(BigInteger)  # leaf index of its issue event
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The holder's document, number sealed (``docs/identity.md``); ``None`` for certificates issued before
    #: migration 0009, whose full number the registry never held.
    holder_identity_id: Mapped[str | None] = mapped_column(ForeignKey("holder_identity.id"))


class CertificatePrint(Base):
    """One printing of a certificate on a physical blank, with its print serial (印制流水码, NUMBERING.md).

    The serial is never part of the number. Each certificate gets its first print when it is issued; a
    qualification certificate reissued after loss (补发) keeps its number and gets a new print, which voids
    the one it ``replaces``: one number, several prints, the latest one valid. Rows are written once, each
    with its event (the issue event for a first print, ``certificate.reprinted`` for the others, at
    ``log_index``), and checked against them by ``certreg audit``.
    """

    __tablename__ = "certificate_print"
    __table_args__ = (Index("ix_certificate_print_number", "number", "log_index"),)
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    #: No foreign key, like the event's subject: the audit reports a print whose certificate is gone.
    number: Mapped[str] = mapped_column(String(32))
    serial: Mapped[str] = mapped_column(String(32), unique=True)
    #: Given by the operator (pre-printed controlled stock, 000:35) rather than allocated by the registry.
    given: Mapped[bool] = mapped_column(Boolean)
    replaces: Mapped[str | None] = mapped_column(String(32))  # the serial this print voids
    reason: Mapped[str] = mapped_column(Text)  # "" for the first print
    printed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    log_index: Mapped[int] = mapped_column(BigInteger)  # leaf index of its event
