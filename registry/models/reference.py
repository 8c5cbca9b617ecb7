"""Reference data: regions, authorities, catalogues, institutions and their filings.

Filing status is never updated in place: each change is a dated :class:`FilingStatusChange` row and the
status on a date is the latest change effective on or before it (docs/rules.md rule 2, rule 11).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import Base, BigIntPK, UTCDateTime, utcnow


class Region(Base):
    """A GB/T 2260 administrative division (province 430000, city 430100, county 430102)."""

    __tablename__ = "region"
    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))


class Authority(Base):
    """The province centre or a city centre (鉴定中心); each has signing keys."""

    __tablename__ = "authority"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    level: Mapped[str] = mapped_column(String(16))  # AuthorityLevel
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))


class Occupation(Base):
    """An occupation (trade) of the national classification (职业分类大典)."""

    __tablename__ = "occupation"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    trade: Mapped[str | None] = mapped_column(String(128))
    in_qualification_catalogue: Mapped[bool] = mapped_column(Boolean)
    access_type: Mapped[bool] = mapped_column(Boolean)
    levels: Mapped[str] = mapped_column(String(8))  # digits of the levels defined, e.g. "12345"
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)


class AbilityProject(Base):
    """A special-ability project of the province's catalogue (专项职业能力考核项目).

    Its phases are dated (rule 6, docs/rules.md): published, in its pilot phase until ``pilot_ends`` (at most
    six months), in general use from ``active_from`` (``None`` with status active: from publication, as for
    a project adopted from 部中心), withdrawn from ``withdrawn_on``. ``status`` is the phase today.
    """

    __tablename__ = "ability_project"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))  # ProjectStatus
    published_on: Mapped[date] = mapped_column(Date)
    pilot_ends: Mapped[date | None] = mapped_column(Date)
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    active_from: Mapped[date | None] = mapped_column(Date)


class Institution(Base):
    """A filed assessment institution (鉴定所/站, 评价机构, 考核站, 技工院校, 用人单位)."""

    __tablename__ = "institution"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))  # InstitutionKind
    owner: Mapped[str] = mapped_column(String(16))  # InstitutionOwner
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    filing_authority_code: Mapped[str] = mapped_column(ForeignKey("authority.code"))
    address: Mapped[str] = mapped_column(String(256), default="")
    person_in_charge: Mapped[str] = mapped_column(String(64), default="")


class Filing(Base):
    """An institution's filing (备案): validity window and scope; status history in its own table."""

    __tablename__ = "filing"
    __table_args__ = (UniqueConstraint("institution_code", "reference"),)
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    institution_code: Mapped[str] = mapped_column(ForeignKey("institution.code"), index=True)
    reference: Mapped[str] = mapped_column(String(64))  # the filing's document number (文号)
    filed_by: Mapped[str] = mapped_column(ForeignKey("authority.code"))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    #: A technical school's skill-level pilot filing (技工院校试点, 002): the only filing a school holds whose
    #: window the profile caps (rule 2, docs/rules.md).
    pilot: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    scope: Mapped[list[FilingScope]] = relationship(lazy="raise", order_by="FilingScope.id")
    history: Mapped[list[FilingStatusChange]] = relationship(lazy="raise", order_by="FilingStatusChange.id")


class FilingScope(Base):
    """One scope row of a filing: an occupation or a project, the levels filed for it and the certificate
    kinds it allows (rule 1); for a school's level 3 and above in Hunan, the day the province centre
    consented (rule 5a). See docs/rules.md."""

    __tablename__ = "filing_scope"
    __table_args__ = (UniqueConstraint("filing_id", "subject_type", "subject_code"),)
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("filing.id"))
    subject_type: Mapped[str] = mapped_column(String(16))  # SubjectType
    subject_code: Mapped[str] = mapped_column(String(32))
    levels: Mapped[str] = mapped_column(String(8))  # "" for projects
    kinds: Mapped[str] = mapped_column(String(64))  # CertificateKind values, sorted, comma-separated
    consent_on: Mapped[date | None] = mapped_column(Date)  # 省鉴定中心同意 (rule 5a)


class FilingStatusChange(Base):
    """A dated status of a filing; appended, never updated.

    A suspension (and its lifting) may cover part of the filing only (004:42): one occupation or project
    (``subject_code``), some ``levels``, one certificate ``kind`` (类别); all three ``None`` cover the whole
    filing. Revocation, withdrawal and expiry always cover the whole filing.
    """

    __tablename__ = "filing_status"
    __table_args__ = (Index("ix_filing_status_filing_effective", "filing_id", "effective_on"),)
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("filing.id"))
    status: Mapped[str] = mapped_column(String(16))  # FilingStatus
    effective_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    subject_code: Mapped[str | None] = mapped_column(String(32))
    levels: Mapped[str | None] = mapped_column(String(8))
    kind: Mapped[str | None] = mapped_column(String(24))  # CertificateKind
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
