"""Numbering sequence counters: one row per sequence scope (NUMBERING.md guarantee 2)."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.models.base import Base


class SequenceCounter(Base):
    """``next_value`` is the next sequence number to hand out in ``scope``; only ever incremented."""

    __tablename__ = "sequence_counter"
    scope: Mapped[str] = mapped_column(String(128), primary_key=True)
    next_value: Mapped[int] = mapped_column(BigInteger)
