"""Standards credentials (docs/credentials.md): each certificate's signed W3C VC, and the signed status lists.

``certificate_credential`` rows are written once, beside the certificate, and committed to by an event
(``certificate.issued`` at issue, ``certificate.credential`` for one signed later by the backfill): the
event holds the SHA-256 of ``credential``, the exact RFC 8785 bytes that were signed and are served. The
status value (sequence scope ``status:{authority}``) gives the list and index of the certificate's bit.

``status_list`` holds one row per authority and list: the bits (raw, 16 KiB, index 0 the most significant
bit of the first byte) and the signed ``BitstringStatusListCredential`` made from them, replaced in the
transaction that revokes or supersedes a certificate of the list. The bits are a pure function of the
events (a bit is set when its certificate has a status event), so the audit can recompute them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.models.base import Base, UTCDateTime


class CertificateCredential(Base):
    __tablename__ = "certificate_credential"
    __table_args__ = (
        Index("ux_certificate_credential_status", "authority_code", "status_list", "status_index", unique=True),
    )
    #: No foreign keys on the certificate, authority and key: checked once per stored set
    #: (:func:`registry.certificates.require_credential_references`) and set-wise by ``certreg audit``, instead
    #: of three row-by-row checks per ``COPY``ed row (migration ``0013_issue_speed``, issue 12).
    number: Mapped[str] = mapped_column(String(32), primary_key=True)
    authority_code: Mapped[str] = mapped_column(String(16))
    status_value: Mapped[int] = mapped_column(BigInteger)  # from the sequence scope status:{authority}
    status_list: Mapped[int] = mapped_column(Integer)
    status_index: Mapped[int] = mapped_column(Integer)
    kid: Mapped[str] = mapped_column(String(11))
    credential: Mapped[bytes] = mapped_column(LargeBinary)
    log_index: Mapped[int] = mapped_column(BigInteger)  # leaf of the event that commits to it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StatusList(Base):
    __tablename__ = "status_list"
    authority_code: Mapped[str] = mapped_column(ForeignKey("authority.code"), primary_key=True)
    list_number: Mapped[int] = mapped_column(Integer, primary_key=True)
    bits: Mapped[bytes] = mapped_column(LargeBinary)
    kid: Mapped[str] = mapped_column(ForeignKey("public_key.kid"))
    credential: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
