"""Staff accounts of the console (issue 16): one organisation and one role per account, an Argon2id password
hash, an optional TOTP second factor (secret sealed), lockout state; their server-side sessions, recovery codes
and the per-role "TOTP required" setting the province sets.

Only hashes of secrets are stored: the session cookie's SHA-256, the recovery codes' SHA-256, the password's
Argon2id string. The TOTP secret must be read back to check a code, so it is sealed (docs/console.md).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.models.base import Base, BigIntPK, UTCDateTime, utcnow


class StaffState(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"


class SessionStage(StrEnum):
    """A session is ``full`` once every factor the account needs was given; ``enrol`` when the role requires
    TOTP and the account has none yet: it may only open the enrolment page."""

    FULL = "full"
    ENROL = "enrol"


class StaffAccount(Base):
    __tablename__ = "staff_account"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    login: Mapped[str] = mapped_column(String(24), unique=True)
    org_code: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(24))
    password_hash: Mapped[str] = mapped_column(String(256))
    state: Mapped[str] = mapped_column(String(16), default=StaffState.ACTIVE.value)
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_sealed: Mapped[bytes | None] = mapped_column(LargeBinary(128))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StaffSession(Base):
    __tablename__ = "staff_session"
    id_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("staff_account.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(8), default=SessionStage.FULL.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StaffRecoveryCode(Base):
    __tablename__ = "staff_recovery_code"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("staff_account.id"), index=True)
    code_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StaffRoleSetting(Base):
    """Per role, what the province requires of its staff accounts (today: a TOTP second factor)."""

    __tablename__ = "staff_role_setting"
    role: Mapped[str] = mapped_column(String(24), primary_key=True)
    totp_required: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
