"""Server-side sessions of the console and who is signed in: the ``principal`` dependency, ``csrf_token``.

The cookie holds 32 random bytes; the database keeps only their SHA-256 (a leaked table signs nobody in).
It is ``HttpOnly``, ``SameSite=Lax``, ``Path=/console`` and ``Secure`` when the public URL is https. A session
ends after ``CERTREG_CONSOLE_IDLE_MINUTES`` without a request and ``CERTREG_CONSOLE_SESSION_HOURS`` after
sign-in whatever happens, at sign-out, and when its account is disabled or reset (docs/console.md).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any, Final

import msgspec
from litestar import Litestar, Request
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from prometheus_client import Counter
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.auth.principal import Principal
from issuer.auth.roles import Role
from issuer.auth.tokens import org_region
from issuer.console.accounts import SignInPolicy
from issuer.console.errors import SignInRequired, TotpEnrolmentRequired
from issuer.console.passwords import cost_for
from issuer.console.ratelimit import LoginLimiter
from issuer.console.totp import sealing_key
from issuer.runtime import STATE_KEY as ISSUER_STATE_KEY
from issuer.runtime import IssuerRuntime
from registry.config import Settings
from registry.db import Database
from registry.models import SessionStage, StaffAccount, StaffSession, StaffState
from registry.models.base import utcnow
from verify.http.clientip import TrustedProxies

SESSION_COOKIE: Final = "certreg_console"
#: Before sign-in there is no session to hold a CSRF token: the sign-in form's token is also in this cookie
#: (double submit), so a form posted from another site cannot sign a victim in to the attacker's account.
PRE_CSRF_COOKIE: Final = "certreg_console_csrf"
COOKIE_PATH: Final = "/console"
#: ``last_seen_at`` is written at most this often (each request would otherwise be a write).
TOUCH_EVERY: Final = timedelta(seconds=60)
_STATE_KEY: Final = "console"
_LIVE: Final = "console_live"


class LiveSession(msgspec.Struct, frozen=True, kw_only=True):
    """A live session and its account, as the pages need them."""

    id_hash: bytes
    account_id: int
    login: str
    role: Role
    org_code: str
    region_code: str | None
    csrf: str
    stage: SessionStage
    totp_enrolled: bool

    @property
    def principal(self) -> Principal:
        return Principal.for_console(self.login, role=self.role, org_code=self.org_code, region_code=self.region_code)


class ConsoleRuntime:
    """What the console needs per worker: the database, the settings, the sign-in limiter."""

    def __init__(self, issuer: IssuerRuntime) -> None:
        self.settings: Settings = issuer.settings
        self.database: Database = issuer.database
        redis = issuer.verify.redis if issuer.verify is not None else None
        self.limiter = LoginLimiter(redis, prefix=self.settings.redis.redis_prefix)
        self.proxies = TrustedProxies(self.settings.server.trusted_networks(), self.settings.server.proxy_header)
        self.secure_cookies = self.settings.server.public_url.startswith("https://")
        secret = self.settings.keys.id_hash_key
        self.policy = SignInPolicy(
            lockout=timedelta(minutes=self.settings.console.console_lockout_minutes),
            cost=cost_for(self.settings.keys.key_kdf),
            totp_key=sealing_key(secret.encode()) if secret else None,
        )
        self.idle = timedelta(minutes=self.settings.console.console_idle_minutes)
        self.lifetime = timedelta(hours=self.settings.console.console_session_hours)
        metrics = issuer.verify.metrics if issuer.verify is not None else None
        self._sign_ins = (
            Counter(
                "certreg_console_sign_ins",
                "Console sign-in attempts by outcome (ok, enrol, a refusal reason, rate_limited).",
                ["outcome"],
                registry=metrics.registry,
            )
            if metrics is not None
            else None
        )

    def count_sign_in(self, outcome: str) -> None:
        """One sign-in attempt in the app's metrics (``/metrics``), by outcome."""
        if self._sign_ins is not None:
            self._sign_ins.labels(outcome).inc()

    def client_address(self, request: ASGIConnection[Any, Any, Any, Any]) -> str:
        peer = request.client.host if request.client is not None else "unknown"
        return self.proxies.client(peer, request.scope["headers"])


def console_runtime(connection: ASGIConnection[Any, Any, Any, Any]) -> ConsoleRuntime:
    """The console's runtime of the app serving ``connection`` (made on first use)."""
    return runtime_of(connection.app)


def runtime_of(app: Litestar) -> ConsoleRuntime:
    """The console's runtime of ``app``, made from the issuer's on first use (after the app started)."""
    state = app.state
    runtime = state.get(_STATE_KEY)
    if runtime is None:
        issuer = state[ISSUER_STATE_KEY]
        assert isinstance(issuer, IssuerRuntime)
        runtime = state[_STATE_KEY] = ConsoleRuntime(issuer)
    assert isinstance(runtime, ConsoleRuntime)
    return runtime


def session_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def open_session(session: AsyncSession, account_id: int, stage: SessionStage, *, lifetime: timedelta) -> str:
    """A new session for ``account_id`` in the caller's transaction (with the sign-in's event); returns the
    cookie value (stored only hashed). The account's sessions past their ``lifetime`` go on the way (the
    events keep the history; the rows would only grow)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    await session.execute(
        delete(StaffSession).where(StaffSession.account_id == account_id, StaffSession.created_at < now - lifetime)
    )
    session.add(
        StaffSession(
            id_hash=session_hash(token),
            account_id=account_id,
            csrf=secrets.token_urlsafe(32),
            stage=stage.value,
            created_at=now,
            last_seen_at=now,
        )
    )
    await session.flush()
    return token


async def load_session(
    database: Database, token: str, *, idle: timedelta, lifetime: timedelta, now: datetime | None = None
) -> LiveSession | None:
    """The live session of a cookie value, or ``None`` (unknown, ended, idle or too old, account disabled);
    an expired session is ended on the way."""
    if not token or len(token) > 64:
        return None
    now = now or utcnow()
    async with database.transaction() as session:
        row = await session.execute(
            select(StaffSession, StaffAccount)
            .join(StaffAccount, StaffAccount.id == StaffSession.account_id)
            .where(StaffSession.id_hash == session_hash(token), StaffSession.ended_at.is_(None))
        )
        found = row.first()
        if found is None:
            return None
        live, account = found[0], found[1]
        if (
            now - live.last_seen_at > idle
            or now - live.created_at > lifetime
            or account.state != StaffState.ACTIVE.value
        ):
            live.ended_at = now
            return None
        if now - live.last_seen_at > TOUCH_EVERY:
            live.last_seen_at = now
        role = Role(account.role)
        region = await org_region(session, account.org_code) if role is Role.CITY_REVIEWER else None
        return LiveSession(
            id_hash=live.id_hash,
            account_id=account.id,
            login=account.login,
            role=role,
            org_code=account.org_code,
            region_code=region,
            csrf=live.csrf,
            stage=SessionStage(live.stage),
            totp_enrolled=account.totp_sealed is not None,
        )


async def end_session(runtime: ConsoleRuntime, id_hash: bytes) -> None:
    async with runtime.database.transaction() as session:
        live = await session.get(StaffSession, id_hash)
        if live is not None and live.ended_at is None:
            live.ended_at = utcnow()


async def current_session(connection: ASGIConnection[Any, Any, Any, Any]) -> LiveSession | None:
    """The request's live session (looked up once per request, then kept on the request)."""
    if _LIVE in connection.state:
        cached = connection.state[_LIVE]
        return cached if isinstance(cached, LiveSession) else None
    token = connection.cookies.get(SESSION_COOKIE, "")
    runtime = console_runtime(connection)
    live = await load_session(runtime.database, token, idle=runtime.idle, lifetime=runtime.lifetime) if token else None
    connection.state[_LIVE] = live
    return live


def signed_in(connection: ASGIConnection[Any, Any, Any, Any]) -> LiveSession | None:
    """The live session as far as this request has already looked it up (no database access)."""
    live = connection.state.get(_LIVE)
    return live if isinstance(live, LiveSession) else None


def _next_path(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    query = connection.scope.get("query_string", b"").decode("latin-1")
    return connection.url.path + (f"?{query}" if query else "")


async def principal(request: Request[Any, Any, Any], state: State) -> Principal:
    """The signed-in staff member (litestar dependency, named ``principal`` on the console router).

    Raises :class:`SignInRequired` (answered 303 to the sign-in page) without a live session, and
    :class:`TotpEnrolmentRequired` (303 to enrolment) while the role needs TOTP and the account has none.
    """
    live = await current_session(request)
    if live is None:
        raise SignInRequired(_next_path(request))
    if live.stage is SessionStage.ENROL:
        raise TotpEnrolmentRequired("请先设置动态口令 / set up your one-time codes first")
    return live.principal


def csrf_token(request: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The CSRF token for this request's forms (hidden field ``_csrf``): the session's, or before sign-in the
    one of the ``certreg_console_csrf`` cookie (a new one is made and the page sets the cookie)."""
    live = request.state.get(_LIVE)
    if isinstance(live, LiveSession):
        return live.csrf
    token = request.state.get("console_pre_csrf") or request.cookies.get(PRE_CSRF_COOKIE, "")
    if not token or len(token) > 64:
        token = secrets.token_urlsafe(32)
    request.state["console_pre_csrf"] = token
    return str(token)


async def promote_session(session: AsyncSession, id_hash: bytes) -> None:
    """The session's account has just enrolled TOTP: it may now open every page."""
    live = await session.get(StaffSession, id_hash)
    if live is not None:
        live.stage = SessionStage.FULL.value
