"""Holder identities with their document number sealed, and the data keys that seal them (``docs/identity.md``).

A ``holder_identity`` row is one checked document of one holder as an upload row (or an imported
certificate) gave it: its type, the number **sealed** under a data key (never in clear at rest), the keyed
look-up index, the masked form and the gender the number implies. Batch rows and certificates point at it;
a certificate issued from a batch row shares the row's identity, so issuing seals nothing again. The row's
id is part of the sealed value's associated data (``holder:<id>``), so a ciphertext copied to another row
does not open.

A ``data_key`` row is a data key wrapped by the key-encryption key (:class:`WrappedDataKey`'s fields) and
how many values it sealed (the lifetime policy's count).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.models.base import Base, UTCDateTime, utcnow


class DataKeyRow(Base):
    __tablename__ = "data_key"
    dk_id: Mapped[str] = mapped_column(String(22), primary_key=True)
    kek_id: Mapped[str] = mapped_column(String(11))
    wrapped: Mapped[bytes] = mapped_column(LargeBinary(72))
    created_on: Mapped[date] = mapped_column(Date, index=True)
    sealed_count: Mapped[int] = mapped_column(Integer, default=0)


class HolderIdentity(Base):
    __tablename__ = "holder_identity"
    #: 32 hex characters (a random UUID); the sealed number is bound to ``holder:<id>``.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    document_type: Mapped[str] = mapped_column(String(32))  # registry.rules.document_types.DocumentType
    number_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    index_digest: Mapped[bytes] = mapped_column(LargeBinary(32), index=True)
    masked: Mapped[str] = mapped_column(String(20))
    gender: Mapped[str | None] = mapped_column(String(8))  # implied by the number, where it encodes one
    photo_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
