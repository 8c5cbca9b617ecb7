"""Public keys of the authorities and their dated status history.

Only public material lives in the database; sealed private keys stay in the key directory. The status of a
key (retired, compromised) is a dated :class:`KeyStatusChange`, never an in-place update.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.models.base import Base, BigIntPK, UTCDateTime


class PublicKey(Base):
    __tablename__ = "public_key"
    kid: Mapped[str] = mapped_column(String(11), primary_key=True)
    authority_code: Mapped[str] = mapped_column(ForeignKey("authority.code"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))  # "statement" or "log"
    algorithm: Mapped[str] = mapped_column(String(16), default="Ed25519")
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)


class KeyStatusChange(Base):
    __tablename__ = "key_status"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    kid: Mapped[str] = mapped_column(ForeignKey("public_key.kid"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # "retired" or "compromised"
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    scope: Mapped[str | None] = mapped_column(String(8))  # compromise scope: "after" or "all"
    reason: Mapped[str] = mapped_column(Text, default="")
