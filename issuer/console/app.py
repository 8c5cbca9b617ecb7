"""The staff console's router, mounted at ``/console`` by :class:`issuer.plugin.IssuerPlugin`: sign-in,
sign-out, TOTP enrolment, the dashboard, and the screens of :mod:`issuer.console.screens`.

On this router, the dependency ``principal`` is the signed-in staff member (:func:`issuer.console.session.
principal`), every POST passes the CSRF guard (:mod:`issuer.console.csrf`), and errors are answered as pages
(the exception table at the bottom), never as JSON.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from importlib.resources import files
from typing import Any, Final
from urllib.parse import urlencode

import msgspec
import segno
from litestar import Request, Response, Router, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency, Provide
from litestar.exceptions import HTTPException
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect
from litestar.types import ExceptionHandlersMap
from markupsafe import Markup

from issuer.auth.principal import Principal
from issuer.console import totp
from issuer.console.accounts import Outcome, Refusal, change_password, enrol_totp, get_account, sign_in, totp_required
from issuer.console.csrf import csrf_guard
from issuer.console.errors import SignInRequired, TotpEnrolmentRequired
from issuer.console.pages import render, render_now
from issuer.console.passwords import check_new_password
from issuer.console.screens import SCREEN_HANDLERS
from issuer.console.session import (
    COOKIE_PATH,
    SESSION_COOKIE,
    LiveSession,
    console_runtime,
    current_session,
    end_session,
    open_session,
    principal,
)
from issuer.errors import Forbidden, InvalidInputError
from registry.calendar import province_time_text
from registry.errors import ConflictError, NotFoundError
from registry.events import EventKind, NewEvent, append_events
from registry.models import SessionStage

_CSS: Final = (files("issuer.console") / "static" / "console.css").read_bytes()
TOTP_ISSUER: Final = "certreg"


class LoginForm(msgspec.Struct, kw_only=True):
    login: str = ""
    password: str = ""
    totp: str = ""
    next: str = "/console/"


class PasswordForm(msgspec.Struct, kw_only=True):
    current_password: str = ""
    new_password: str = ""
    repeat_password: str = ""


class TotpForm(msgspec.Struct, kw_only=True):
    code: str = ""
    pending: str = ""


def login_key(login: str) -> str:
    """What the per-name limit counts under: a digest, so what a stranger typed is not kept in Redis."""
    return hashlib.sha256(login.lower().encode()).hexdigest()[:24]


def safe_next(value: str) -> str:
    """Where to go after sign-in: a console path of this site only (never ``//host`` or another site)."""
    if not value.startswith("/console/") or value.startswith("//") or "\\" in value or len(value) > 512:
        return "/console/"
    return value


def _refusal_text(outcome: Outcome) -> str:
    match outcome.refusal:
        case Refusal.LOCKED:
            until = province_time_text(outcome.locked_until) if outcome.locked_until else ""
            return (
                f"连续登录失败次数过多，账户已锁定至 {until}，或请管理员重置 / too many failed sign-ins: the account "
                f"is locked until {until}, or ask an administrator to reset it"
            )
        case Refusal.DISABLED:
            return "账户已停用，请联系管理员 / the account is disabled: ask your administrator"
        case Refusal.CODE_NEEDED:
            return "请输入动态口令或恢复码 / enter your one-time code or a recovery code"
        case Refusal.BAD_CODE:
            return "动态口令或恢复码不正确 / the one-time code or recovery code is wrong"
        case _:
            return "登录名或密码不正确 / the login name or password is wrong"


@get("/login", name="console:login")
async def login_page(request: Request[Any, Any, Any], next: FromQuery[str] = "/console/") -> Response[Any]:
    """The sign-in form (already signed in: the dashboard)."""
    if await current_session(request) is not None:
        return Redirect(safe_next(next), status_code=303)
    return await render(
        request, "console/login.html", title=("登录", "Sign in"), message="", notice="", login="", next=safe_next(next)
    )


@post("/login", name="console:login_submit", status_code=303)
async def login_submit(request: Request[Any, Any, Any], data: URLEncodedBody[LoginForm]) -> Response[Any]:
    """Check the name, password and code; on success a new session and 303 to ``next``."""
    runtime = console_runtime(request)
    settings = runtime.settings
    login = data.login.strip()[:24]
    wait = max(
        await runtime.limiter.hit(f"ip:{runtime.client_address(request)}", settings.console_login_rate_per_minute),
        await runtime.limiter.hit(f"login:{login_key(login)}", settings.console_account_rate_per_minute),
    )
    if wait:
        runtime.count_sign_in("rate_limited")
        message = f"登录尝试过于频繁，请 {wait} 秒后再试 / too many sign-in attempts: try again in {wait} s"
        return await _login_again(request, data, message, status_code=429, headers={"retry-after": str(wait)})
    async with runtime.database.transaction() as session:
        outcome = await sign_in(
            session,
            login=login,
            password=data.password[:512],
            code=data.totp[:32],
            now=datetime.now(UTC),
            policy=runtime.policy,
        )
        if outcome.account_id is not None and outcome.stage is not None:
            token = await open_session(session, outcome.account_id, outcome.stage, lifetime=runtime.lifetime)
    runtime.count_sign_in(
        outcome.refusal.value if outcome.refusal else "ok" if outcome.stage is SessionStage.FULL else "enrol"
    )
    if outcome.account_id is None or outcome.stage is None:
        message = _refusal_text(outcome)
        status = (
            423 if outcome.refusal is Refusal.LOCKED else 401 if outcome.refusal is not Refusal.CODE_NEEDED else 200
        )
        return await _login_again(request, data, message, status_code=status)
    target = "/console/totp" if outcome.stage is SessionStage.ENROL else safe_next(data.next)
    cookie = Cookie(
        key=SESSION_COOKIE,
        value=token,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=runtime.secure_cookies,
    )
    return Redirect(target, status_code=303, cookies=[cookie])


async def _login_again(
    request: Request[Any, Any, Any],
    data: LoginForm,
    message: str,
    *,
    status_code: int,
    headers: dict[str, str] | None = None,
) -> Response[str]:
    return await render(
        request,
        "console/login.html",
        status_code=status_code,
        headers=headers,
        title=("登录", "Sign in"),
        message=message,
        notice="",
        login=data.login.strip()[:24],
        next=safe_next(data.next),
    )


@post("/logout", name="console:logout", status_code=303)
async def logout(request: Request[Any, Any, Any]) -> Response[Any]:
    """End the session (the CSRF guard has checked the form) and go back to the sign-in page."""
    live = await current_session(request)
    runtime = console_runtime(request)
    if live is not None:
        await end_session(runtime, live.id_hash)
        async with runtime.database.transaction() as session:
            await append_events(
                session,
                [
                    NewEvent(
                        kind=EventKind.STAFF_SIGNED_OUT.value, subject=f"staff:{live.login}", actor=live.principal.actor
                    )
                ],
            )
    gone = Cookie(key=SESSION_COOKIE, value="", path=COOKIE_PATH, max_age=0, httponly=True, samesite="lax")
    return Redirect("/console/login", status_code=303, cookies=[gone])


@get("/", name="console:dashboard")
async def dashboard(request: Request[Any, Any, Any], principal: NamedDependency[Principal]) -> Response[str]:
    """The signed-in staff member's start page (the screens add their summaries)."""
    return await render(request, "console/dashboard.html", title=("工作台", "Dashboard"), who=principal)


@get("/password", name="console:password")
async def password_page(request: Request[Any, Any, Any], principal: NamedDependency[Principal]) -> Response[str]:
    """The signed-in user's own password change."""
    return await render(request, "console/password.html", title=("修改密码", "Change password"), message="", done=False)


@post("/password", name="console:password_change", status_code=200)
async def password_change(
    request: Request[Any, Any, Any], principal: NamedDependency[Principal], data: URLEncodedBody[PasswordForm]
) -> Response[Any]:
    """Change the password (the current one must be right: a wrong one counts towards the lockout)."""
    runtime = console_runtime(request)
    if data.new_password != data.repeat_password:
        return await _password_form(request, "两次输入的新密码不一致 / the two new passwords differ")
    try:
        check_new_password(data.new_password)
        async with runtime.database.transaction() as session:
            account = await get_account(session, principal.name)
            outcome = await change_password(
                session,
                account,
                current=data.current_password[:512],
                new=data.new_password,
                now=datetime.now(UTC),
                policy=runtime.policy,
            )
    except InvalidInputError as exc:
        return await _password_form(request, str(exc))
    if outcome.refusal is Refusal.LOCKED:
        return Redirect("/console/login", status_code=303)  # the lockout ended this session too
    if outcome.refusal is not None:
        return await _password_form(request, "当前密码不正确 / the current password is wrong")
    return await render(request, "console/password.html", title=("修改密码", "Change password"), message="", done=True)


async def _password_form(request: Request[Any, Any, Any], message: str) -> Response[str]:
    return await render(
        request, "console/password.html", status_code=400, title=("修改密码", "Change password"), message=message,
        done=False,
    )  # fmt: skip


async def _enrolling(request: Request[Any, Any, Any]) -> LiveSession:
    live = await current_session(request)
    if live is None:
        raise SignInRequired("/console/totp")
    return live


def _qr_svg(uri: str) -> Markup:
    svg = segno.make(uri, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff")
    return Markup(svg)  # noqa: S704 - segno's own SVG of our URI, no user input in markup


async def _totp_page(request: Request[Any, Any, Any], live: LiveSession, secret: bytes, message: str) -> Response[str]:
    runtime = console_runtime(request)
    if runtime.policy.totp_key is None:
        raise InvalidInputError(
            "服务器未配置密钥（CERTREG_ID_HASH_KEY），无法启用动态口令 / the server has no secret "
            "(CERTREG_ID_HASH_KEY) to keep one-time code secrets with",
            field="totp",
            code="staff.totp_unavailable",
        )
    async with runtime.database.reader() as session:
        required = await totp_required(session, live.role)
    return await render(
        request,
        "console/totp.html",
        status_code=400 if message else 200,
        title=("设置动态口令", "Set up one-time codes"),
        required=required,
        message=message,
        qr_svg=_qr_svg(totp.otpauth_uri(secret, login=live.login, issuer=TOTP_ISSUER)),
        secret_text=totp.secret_text(secret),
        pending=totp.seal(secret, runtime.policy.totp_key).hex(),
    )


@get("/totp", name="console:totp")
async def totp_page(request: Request[Any, Any, Any]) -> Response[str]:
    """Enrolment: a new secret as a QR code (inline SVG) and as text; the user confirms with a code."""
    live = await _enrolling(request)
    return await _totp_page(request, live, totp.new_secret(), "")


@post("/totp", name="console:totp_confirm", status_code=200)
async def totp_confirm(request: Request[Any, Any, Any], data: URLEncodedBody[TotpForm]) -> Response[str]:
    """Turn the second factor on once the code matches; show the recovery codes once."""
    live = await _enrolling(request)
    runtime = console_runtime(request)
    key = runtime.policy.totp_key
    try:
        secret = totp.unseal(bytes.fromhex(data.pending[:256]), key) if key is not None else b""
    except (ValueError, totp.SealError):
        secret = b""
    if len(secret) != totp.SECRET_BYTES or key is None:
        raise InvalidInputError(
            "设置已失效，请重新扫描二维码 / this set-up is no longer valid: scan the new QR code",
            field="pending",
            code="staff.totp_pending",
        )
    async with runtime.database.transaction() as session:
        account = await get_account(session, live.login)
        codes = await enrol_totp(session, account, secret=secret, code=data.code, now=datetime.now(UTC), key=key)
        if codes is not None:
            from issuer.console.session import promote_session

            await promote_session(session, live.id_hash)
    if codes is None:
        return await _totp_page(request, live, secret, "动态口令不正确，请重试 / the code is wrong: try again")
    return await render(request, "console/recovery.html", title=("恢复码", "Recovery codes"), codes=codes)


@get("/static/console.css", name="console:css", sync_to_thread=False, cache_control=None)
def stylesheet() -> Response[bytes]:
    return Response(_CSS, media_type="text/css; charset=utf-8", headers={"cache-control": "public, max-age=3600"})


# --- the console's exception table: pages, not JSON ------------------------------------------------------


def _to_login(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, SignInRequired)
    if request.method not in ("GET", "HEAD"):
        return _plain(401, str(exc))
    return Redirect(f"/console/login?{urlencode({'next': safe_next(exc.next_path)})}", status_code=303)


def _to_enrolment(_: Request[Any, Any, Any], __: Exception) -> Response[Any]:
    return Redirect("/console/totp", status_code=303)


def _plain(status: int, message: str) -> Response[Any]:
    return Response(message, status_code=status, media_type="text/plain; charset=utf-8")


def _page(status: int, heading: tuple[str, str]) -> Any:
    def handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        message = str(exc.detail if isinstance(exc, HTTPException) else exc)
        return render_now(
            request,
            "console/error.html",
            status_code=status,
            title=heading,
            heading=" / ".join(heading),
            message=message,
        )

    return handler


CONSOLE_EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    SignInRequired: _to_login,
    TotpEnrolmentRequired: _to_enrolment,
    Forbidden: _page(403, ("无权操作", "Not allowed")),
    InvalidInputError: _page(400, ("输入有误", "Invalid input")),
    NotFoundError: _page(404, ("未找到", "Not found")),
    ConflictError: _page(409, ("无法完成", "Conflict")),
}


def console_router() -> Router:
    """The console under ``/console``: its own ``principal``, the CSRF guard, the page error table."""
    return Router(
        path="/console",
        route_handlers=[
            login_page,
            login_submit,
            logout,
            dashboard,
            password_page,
            password_change,
            totp_page,
            totp_confirm,
            stylesheet,
            *SCREEN_HANDLERS,
        ],
        dependencies={"principal": Provide(principal)},
        guards=[csrf_guard],
        exception_handlers=CONSOLE_EXCEPTION_HANDLERS,
        include_in_schema=False,
    )
