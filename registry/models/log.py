"""The append-only event log and its Merkle tree (RFC 6962 / RFC 9162).

Every event is one leaf; ``Event.idx`` is its leaf index, handed out gap-free under the ``log_head`` row
lock in the same transaction as the change the event records. ``MerkleNode`` keeps the hash of every
complete subtree so that proofs cost O(log n) reads.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, LargeBinary, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.models.base import Base, UTCDateTime


class Event(Base):
    __tablename__ = "event"
    __table_args__ = (Index("ix_event_subject_idx", "subject", "idx"),)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(40), index=True)
    subject: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[bytes] = mapped_column(LargeBinary)  # canonical leaf bytes (registry.events)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LogHead(Base):
    """The single row whose lock serialises appends; ``size`` is the number of leaves."""

    __tablename__ = "log_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger)


class MerkleNode(Base):
    """Hash of the complete subtree of ``2**level`` leaves starting at leaf ``index * 2**level``."""

    __tablename__ = "merkle_node"
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class Checkpoint(Base):
    """A signed checkpoint (C2SP signed note) of the log at ``size`` leaves."""

    __tablename__ = "checkpoint"
    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
