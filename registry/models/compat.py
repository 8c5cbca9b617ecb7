"""Which older code may still serve a schema: the rolling-upgrade contract (registry/schema.py)."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from registry.models.base import Base


class SchemaCompat(Base):
    """A migration that only adds (a table, a nullable column, an index) records here that code of its
    ``down_revision`` still reads and writes its schema correctly, so replicas of the previous release keep
    serving while the new release rolls out. A migration that breaks old code records nothing."""

    __tablename__ = "schema_compat"
    revision: Mapped[str] = mapped_column(String(64), primary_key=True)
    oldest_reader: Mapped[str] = mapped_column(String(64))
