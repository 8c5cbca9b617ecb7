"""Staff accounts: create, disable, enable, reset, the per-role TOTP requirement, and the sign-in decision.

Services in the caller's transaction; each change is an event in the log (docs/console.md). The sign-in
decision (:func:`sign_in`) never raises for a wrong password: it returns an :class:`Outcome`, so the
caller commits the failure count, the lockout and their events even though the user is refused. Rule 11
(docs/rules.md, "everything traceable"): every console step names a person's account, and every sign-in,
failure and lockout is an event.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

import msgspec
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.auth.principal import operator_name
from issuer.auth.roles import Role
from issuer.auth.tokens import check_org
from issuer.console import totp
from issuer.console.passwords import INTERACTIVE, PasswordCost, hash_password, verify_password
from issuer.errors import InvalidInputError
from registry.errors import ConflictError, NotFoundError
from registry.events import DetailValue, EventKind, NewEvent, append_events
from registry.models import SessionStage, StaffAccount, StaffRecoveryCode, StaffRoleSetting, StaffSession, StaffState
from registry.models.base import utcnow

#: Failed sign-ins in a row that lock an account (docs/rules.md has no rule for it; docs/console.md does).
LOCK_AFTER: Final = 5
ANONYMOUS: Final = "console:anonymous"


def console_actor(account: StaffAccount) -> str:
    """The account's actor in events: ``console:<login>:<role>:<org>`` (the one actor format)."""
    return f"console:{account.login}:{account.role}:{account.org_code}"[:64]


async def _event(session: AsyncSession, kind: EventKind, subject: str, actor: str, **details: DetailValue) -> None:
    await append_events(session, [NewEvent(kind=kind.value, subject=subject, actor=actor, details=details)])


async def find_account(session: AsyncSession, login: str, *, lock: bool = False) -> StaffAccount | None:
    query = select(StaffAccount).where(StaffAccount.login == login)
    return await session.scalar(query.with_for_update() if lock else query)


async def get_account(session: AsyncSession, login: str) -> StaffAccount:
    """The account named ``login``; raises :class:`NotFoundError`."""
    account = await find_account(session, login)
    if account is None:
        raise NotFoundError(f"没有登录名为 {login[:24]} 的工作人员账户 / no staff account {login[:24]}")
    return account


async def create_account(
    session: AsyncSession,
    *,
    login: str,
    org_code: str,
    role: Role,
    password: str,
    actor: str,
    cost: PasswordCost = INTERACTIVE,
) -> StaffAccount:
    """A new active account. Raises :class:`InvalidInputError` for a bad login name or password,
    :class:`NotFoundError` when the organisation cannot hold the role, :class:`ConflictError` when the login
    name is taken."""
    operator_name(login)
    await check_org(session, org_code, role)
    if await find_account(session, login) is not None:
        raise ConflictError(f"登录名 {login} 已被使用 / the login name {login} is taken")
    account = StaffAccount(
        login=login,
        org_code=org_code,
        role=role.value,
        password_hash=hash_password(password, cost),
        state=StaffState.ACTIVE.value,
        failed_count=0,
    )
    session.add(account)
    await session.flush()
    await _event(session, EventKind.STAFF_CREATED, f"staff:{login}", actor, role=role.value, org=org_code)
    return account


async def set_state(session: AsyncSession, login: str, state: StaffState, *, actor: str) -> StaffAccount:
    """Disable or enable an account; disabling ends its sessions at once. Raises :class:`NotFoundError`."""
    account = await get_account(session, login)
    account.state = state.value
    if state is StaffState.DISABLED:
        await end_sessions(session, account.id)
    await _event(session, EventKind.STAFF_CHANGED, f"staff:{login}", actor, change=state.value)
    return account


async def reset_account(
    session: AsyncSession,
    login: str,
    *,
    password: str,
    actor: str,
    remove_totp: bool = False,
    cost: PasswordCost = INTERACTIVE,
) -> StaffAccount:
    """A new password, the lockout lifted, every session ended; with ``remove_totp`` the second factor and
    its recovery codes go too (the account enrols again). Raises :class:`NotFoundError`,
    :class:`InvalidInputError` for a bad password."""
    account = await get_account(session, login)
    account.password_hash = hash_password(password, cost)
    account.password_changed_at = _now()
    account.failed_count = 0
    account.locked_until = None
    if remove_totp:
        await remove_second_factor(session, account)
    await end_sessions(session, account.id)
    await _event(session, EventKind.STAFF_CHANGED, f"staff:{login}", actor, change="reset", totp_removed=remove_totp)
    return account


async def remove_second_factor(session: AsyncSession, account: StaffAccount) -> None:
    account.totp_sealed = None
    account.totp_last_step = None
    for code in await session.scalars(select(StaffRecoveryCode).where(StaffRecoveryCode.account_id == account.id)):
        await session.delete(code)


async def totp_required(session: AsyncSession, role: Role | str) -> bool:
    setting = await session.get(StaffRoleSetting, Role(role).value)
    return setting is not None and setting.totp_required


async def require_totp(session: AsyncSession, role: Role, required: bool, *, actor: str) -> None:
    """The province's setting: accounts of ``role`` need a TOTP code (they enrol at their next sign-in)."""
    setting = await session.get(StaffRoleSetting, role.value)
    if setting is None:
        session.add(StaffRoleSetting(role=role.value, totp_required=required, changed_at=_now()))
    else:
        setting.totp_required = required
        setting.changed_at = _now()
    await _event(session, EventKind.STAFF_TOTP_REQUIRED, f"role:{role.value}", actor, required=required)


class Refusal(StrEnum):
    """Why a sign-in was refused (stable codes; the pages word them)."""

    BAD_CREDENTIALS = "bad_credentials"
    LOCKED = "locked"
    DISABLED = "disabled"
    CODE_NEEDED = "code_needed"
    BAD_CODE = "bad_code"


class Outcome(msgspec.Struct, frozen=True, kw_only=True):
    """The sign-in decision: an account and the session stage, or why not (and until when, when locked)."""

    account_id: int | None = None
    stage: SessionStage | None = None
    refusal: Refusal | None = None
    locked_until: datetime | None = None

    @property
    def label(self) -> str:
        """``ok``, ``enrol`` or the refusal's code (the sign-in metric's label)."""
        if self.refusal is not None:
            return self.refusal.value
        return "enrol" if self.stage is SessionStage.ENROL else "ok"


class SignInPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """The server's sign-in settings: how long a lockout lasts, the Argon2id cost, the TOTP sealing key."""

    lockout: timedelta
    cost: PasswordCost
    totp_key: bytes | None  # None: the server has no secret to open TOTP secrets with


async def sign_in(
    session: AsyncSession, *, login: str, password: str, code: str, now: datetime, policy: SignInPolicy
) -> Outcome:
    """Decide a sign-in and record it: failures count towards the lockout (:data:`LOCK_AFTER` in a row),
    every outcome is an event. Never raises for what the user typed."""
    # FOR UPDATE (PostgreSQL): two wrong passwords at once both count, so the lockout comes at the fifth
    account = await find_account(session, login, lock=True) if _plausible_login(login) else None
    stored = account.password_hash if account is not None else None
    # Argon2id costs ~64 MiB and a fraction of a second: in a thread, so the worker keeps serving meanwhile
    if not await asyncio.to_thread(verify_password, stored, password, policy.cost):
        # Answered as a wrong password whatever it did (counted, or locked the account: recorded as such): a
        # lockout said to whoever typed a wrong password told a stranger, after five guesses, that the name
        # exists, as no unknown name is ever locked (docs/console.md, "Signing in"). Only the right password
        # learns of the lockout, below.
        await _failed(session, account, Refusal.BAD_CREDENTIALS, now, policy)
        return Outcome(refusal=Refusal.BAD_CREDENTIALS)
    assert account is not None
    if account.locked_until is not None and account.locked_until > now:
        await _event(session, EventKind.STAFF_SIGN_IN_FAILED, f"staff:{login}", ANONYMOUS, reason=Refusal.LOCKED.value)
        return Outcome(refusal=Refusal.LOCKED, locked_until=account.locked_until)
    if account.state != StaffState.ACTIVE.value:
        await _event(session, EventKind.STAFF_SIGN_IN_FAILED, f"staff:{login}", ANONYMOUS, reason="disabled")
        return Outcome(refusal=Refusal.DISABLED)
    stage = SessionStage.FULL
    if account.totp_sealed is not None:
        if not code.strip():
            return Outcome(refusal=Refusal.CODE_NEEDED)
        if not await _second_factor(session, account, code, now, policy):
            return await _failed(session, account, Refusal.BAD_CODE, now, policy)
    elif await totp_required(session, account.role):
        stage = SessionStage.ENROL
    account.failed_count = 0
    account.locked_until = None
    await _event(session, EventKind.STAFF_SIGNED_IN, f"staff:{login}", console_actor(account), stage=stage.value)
    return Outcome(account_id=account.id, stage=stage)


async def _failed(
    session: AsyncSession, account: StaffAccount | None, refusal: Refusal, now: datetime, policy: SignInPolicy
) -> Outcome:
    if account is None:
        await _event(session, EventKind.STAFF_SIGN_IN_FAILED, "staff:unknown", ANONYMOUS, reason=refusal.value)
        return Outcome(refusal=refusal)
    subject = f"staff:{account.login}"
    if account.locked_until is not None and account.locked_until > now:
        await _event(session, EventKind.STAFF_SIGN_IN_FAILED, subject, ANONYMOUS, reason=Refusal.LOCKED.value)
        return Outcome(refusal=Refusal.LOCKED, locked_until=account.locked_until)
    account.failed_count += 1
    await _event(
        session, EventKind.STAFF_SIGN_IN_FAILED, subject, ANONYMOUS, reason=refusal.value, count=account.failed_count
    )
    if account.failed_count < LOCK_AFTER:
        return Outcome(refusal=refusal)
    account.failed_count = 0
    account.locked_until = now + policy.lockout
    await end_sessions(session, account.id)  # someone is guessing: nobody stays signed in meanwhile
    await _event(
        session, EventKind.STAFF_LOCKED, subject, ANONYMOUS, failures=LOCK_AFTER, minutes=_minutes(policy.lockout)
    )
    return Outcome(refusal=Refusal.LOCKED, locked_until=account.locked_until)


async def _second_factor(
    session: AsyncSession, account: StaffAccount, code: str, now: datetime, policy: SignInPolicy
) -> bool:
    """A TOTP code (not replayed) or an unused recovery code, which is then used up."""
    if totp.looks_like_recovery_code(code):
        digest = totp.recovery_hash(account.id, code)
        row = await session.scalar(
            select(StaffRecoveryCode).where(
                StaffRecoveryCode.account_id == account.id,
                StaffRecoveryCode.code_hash == digest,
                StaffRecoveryCode.used_at.is_(None),
            )
        )
        if row is None:
            return False
        row.used_at = now
        return True
    if policy.totp_key is None or account.totp_sealed is None:
        return False
    try:
        secret = totp.unseal(account.totp_sealed, policy.totp_key)
    except totp.SealError:
        return False
    step = totp.match_step(secret, code, now.timestamp(), last_step=account.totp_last_step)
    if step is None:
        return False
    account.totp_last_step = step
    return True


def _plausible_login(login: str) -> bool:
    try:
        operator_name(login)
    except InvalidInputError:
        return False
    return True


async def check_current_password(
    session: AsyncSession, account: StaffAccount, password: str, *, now: datetime, policy: SignInPolicy
) -> Outcome | None:
    """``None`` when ``password`` is the signed-in user's own, else the refusal, recorded and counted towards
    the lockout like a failed sign-in (a borrowed session must not become a way to guess it)."""
    if await asyncio.to_thread(verify_password, account.password_hash, password, policy.cost):
        return None
    return await _failed(session, account, Refusal.BAD_CREDENTIALS, now, policy)


async def change_password(
    session: AsyncSession, account: StaffAccount, *, current: str, new: str, now: datetime, policy: SignInPolicy
) -> Outcome:
    """The signed-in user's own new password, once the current one is given right (a wrong one counts towards
    the lockout, like a failed sign-in: a borrowed session must not become a way to guess it). Raises
    :class:`InvalidInputError` for a new password that is too short or too long, or the same as before."""
    refused = await check_current_password(session, account, current, now=now, policy=policy)
    if refused is not None:
        return refused
    if new == current:
        raise InvalidInputError(
            "新密码不能与当前密码相同 / the new password must differ from the current one",
            field="new_password",
            code="staff.password_same",
        )
    account.password_hash = await asyncio.to_thread(hash_password, new, policy.cost)
    account.password_changed_at = now
    account.failed_count = 0
    await _event(session, EventKind.STAFF_CHANGED, f"staff:{account.login}", console_actor(account), change="password")
    return Outcome(account_id=account.id, stage=SessionStage.FULL)


async def end_sessions(session: AsyncSession, account_id: int) -> None:
    """End every live session of an account (disabled, reset)."""
    await session.execute(
        update(StaffSession)
        .where(StaffSession.account_id == account_id, StaffSession.ended_at.is_(None))
        .values(ended_at=_now())
    )


async def enrol_totp(
    session: AsyncSession, account: StaffAccount, *, secret: bytes, code: str, now: datetime, key: bytes
) -> list[str] | None:
    """Enrol ``secret`` once the user proves with ``code`` that the app holds it; returns the new recovery
    codes (shown once, stored hashed; older ones are dropped) or ``None`` for a wrong code."""
    step = totp.match_step(secret, code, now.timestamp(), last_step=None)
    if step is None:
        return None
    await remove_second_factor(session, account)
    account.totp_sealed = totp.seal(secret, key)
    account.totp_last_step = step
    codes = totp.new_recovery_codes()
    session.add_all(
        StaffRecoveryCode(account_id=account.id, code_hash=totp.recovery_hash(account.id, c)) for c in codes
    )
    await _event(session, EventKind.STAFF_CHANGED, f"staff:{account.login}", console_actor(account), change="totp")
    return codes


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _now() -> datetime:
    return utcnow()
