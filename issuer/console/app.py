"""The staff console's router, mounted at ``/console`` by :class:`issuer.plugin.IssuerPlugin`: sign-in,
sign-out and the dashboard (here), the user's own password and TOTP pages (:mod:`issuer.console.security`),
and the screens of :mod:`issuer.console.screens`.

On this router, the dependency ``principal`` is the signed-in staff member (:func:`issuer.console.session.
principal`), every POST passes the CSRF guard (:mod:`issuer.console.csrf`), and errors are answered as pages
(the exception table at the bottom), never as JSON.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime
from importlib.resources import files
from typing import Any, Final
from urllib.parse import urlencode

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.datastructures import Cookie
from litestar.di import Provide
from litestar.exceptions import HTTPException, ValidationException
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect
from litestar.types import ExceptionHandlersMap

from issuer.console.accounts import (
    Outcome,
    Refusal,
    sign_in,
)
from issuer.console.csrf import BEFORE_SIGN_IN, NOTHING_TO_END, csrf_guard
from issuer.console.errors import SignInRequired, TotpEnrolmentRequired
from issuer.console.pages import LOGIN_NOTICES, render, render_now, sign_in_saying
from issuer.console.screens import SCREEN_HANDLERS
from issuer.console.security import password_change, password_page, totp_confirm, totp_page
from issuer.console.session import (
    COOKIE_PATH,
    SESSION_COOKIE,
    console_runtime,
    current_session,
    end_session,
    open_session,
    principal,
)
from issuer.errors import Forbidden, InvalidInputError
from issuer.injected import Caller
from registry.calendar import province_time_text
from registry.errors import ConflictError, NotFoundError
from registry.events import EventKind, NewEvent, append_events
from registry.models import SessionStage
from verify.http.choices import enum_choices
from verify.http.errors import (
    DATABASE_DOWN_MESSAGE,
    DATABASE_OUTAGES,
    Handler,
    database_down,
    database_retry_after,
    http_message,
    log_database_down,
    path_parameter_refusal,
    validation_message,
    wire_names,
)

logger = logging.getLogger("certreg.console")

_CSS: Final = (files("issuer.console") / "static" / "console.css").read_bytes()


class LoginForm(msgspec.Struct, kw_only=True):
    login: str = ""
    password: str = ""
    totp: str = ""
    next: str = "/console/"


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
async def login_page(
    request: Request[Any, Any, Any], next: FromQuery[str] = "/console/", notice: FromQuery[str] = ""
) -> Response[Any]:
    """The sign-in form (already signed in: the dashboard); ``notice``: what sent the user here (signed out,
    locked), said above the form."""
    if await current_session(request) is not None:
        return Redirect(safe_next(next), status_code=303)
    said = LOGIN_NOTICES.get(notice, "")
    title = ("登录", "Sign in")
    return await render(
        request, "console/login.html", title=title, message="", notice=said, login="", next=safe_next(next)
    )


@post("/login", name="console:login_submit", status_code=303, opt={BEFORE_SIGN_IN: True})
async def login_submit(request: Request[Any, Any, Any], data: URLEncodedBody[LoginForm]) -> Response[Any]:
    """Check the name, password and code; on success a new session and 303 to ``next``."""
    runtime = console_runtime(request)
    settings = runtime.settings
    login = data.login.strip()[:24]
    wait = max(
        await runtime.limiter.hit(
            f"ip:{runtime.client_address(request)}", settings.console.console_login_rate_per_minute
        ),
        await runtime.limiter.hit(f"login:{login_key(login)}", settings.console.console_account_rate_per_minute),
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


@post("/logout", name="console:logout", status_code=303, opt={NOTHING_TO_END: True})
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
    return Redirect(sign_in_saying("signed_out"), status_code=303, cookies=[gone])


@get("/", name="console:dashboard")
async def dashboard(request: Request[Any, Any, Any], principal: Caller) -> Response[str]:
    """The signed-in staff member's start page (the screens add their summaries)."""
    return await render(request, "console/dashboard.html", title=("工作台", "Dashboard"), who=principal)


@get("/static/console.css", name="console:css", sync_to_thread=False, cache_control=None)
def stylesheet() -> Response[bytes]:
    return Response(_CSS, media_type="text/css", headers={"cache-control": "public, max-age=3600"})


# --- the console's exception table: pages, not JSON ------------------------------------------------------


def _to_login(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, SignInRequired)
    sign_in = f"/console/login?{urlencode({'next': safe_next(exc.next_path)})}"
    if request.method in ("GET", "HEAD"):
        # a session cookie that signs nobody in any more: the session ended (idle, too old, reset): say so
        ended = "&notice=expired" if request.cookies.get(SESSION_COOKIE) else ""
        return Redirect(f"{sign_in}{ended}", status_code=303)
    # A form posted without a live session: a page that says so, whose link signs in and comes back to the
    # form's page (a redirect would turn the POST into a GET of the sign-in page and say nothing).
    return render_now(
        request,
        "console/error.html",
        status_code=401,
        title=("请重新登录", "Sign in again"),
        heading="请重新登录 / Sign in again",
        message="登录已失效，请重新登录；本次提交未执行 / your session has ended: sign in again (nothing was done)",
        link=(sign_in, "重新登录", "Sign in again", "sign-in-again"),
    )


def _to_enrolment(_: Request[Any, Any, Any], __: Exception) -> Response[Any]:
    return Redirect("/console/totp", status_code=303)


def _error_page(
    request: Request[Any, Any, Any],
    status: int,
    heading: tuple[str, str],
    message: str,
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    """The console's error page: ``heading`` (Chinese, English) over ``message``, back to the dashboard."""
    return render_now(
        request,
        "console/error.html",
        status_code=status,
        title=heading,
        heading=" / ".join(heading),
        message=message,
        headers=headers,
    )


def _page(status: int, heading: tuple[str, str]) -> Any:
    def handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        return _error_page(request, status, heading, str(exc.detail if isinstance(exc, HTTPException) else exc))

    return handler


#: The heading of a page for the framework's own refusals, by status.
_HTTP_HEADINGS: Final = {
    400: ("输入有误", "Invalid input"),
    404: ("未找到", "Not found"),
    405: ("请求方法不对", "Wrong request method"),
    413: ("内容过大", "Too large"),
    415: ("内容类型不对", "Wrong content type"),
    429: ("请求过于频繁", "Too many requests"),
}


def _http_page(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The framework's own refusals (a wrong method, a body past the limit, a malformed field) as a page with
    the words the API gives for them: a person in a browser is never handed a JSON document."""
    assert isinstance(exc, HTTPException)
    status, unparsed = exc.status_code, path_parameter_refusal(request, exc)
    if unparsed is not None:  # /console/batches/abc: the parameter named, as the API does (400, not 404)
        status, message = 400, unparsed
    elif isinstance(exc, ValidationException):
        message = validation_message(exc, wire_names(request), enum_choices(request))
    else:
        message = http_message(request, exc)
    heading = _HTTP_HEADINGS.get(status, ("无法完成", "Cannot be done"))
    return _error_page(request, status, heading, message, exc.headers)


def _database_down(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The database cannot be reached: a 503 page with Retry-After (a wrong statement stays a 500)."""
    if not database_down(exc):  # a wrong statement: a bug, logged with its traceback like any 500
        logger.exception("unhandled database error on a console page", exc_info=exc)
        internal: Response[Any] = _page(500, ("服务器内部错误", "Internal server error"))(request, exc)
        return internal
    log_database_down(request, exc)
    retry = database_retry_after(request)
    return render_now(
        request,
        "console/error.html",
        status_code=503,
        title=("暂时无法使用", "Unavailable"),
        heading="暂时无法使用 / Unavailable",
        message=DATABASE_DOWN_MESSAGE,
        headers={"Retry-After": str(retry), "Cache-Control": "no-store"},
    )


CONSOLE_EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    SignInRequired: _to_login,
    TotpEnrolmentRequired: _to_enrolment,
    Forbidden: _page(403, ("无权操作", "Not allowed")),
    InvalidInputError: _page(400, ("输入有误", "Invalid input")),
    NotFoundError: _page(404, ("未找到", "Not found")),
    ConflictError: _page(409, ("无法完成", "Conflict")),
    ValidationException: _http_page,  # the app's row for it answers JSON and is more specific than any below
    **dict.fromkeys(DATABASE_OUTAGES, _database_down),
}


def under_console(path: str) -> bool:
    """Whether ``path`` is the console's (its cookies' path is where the router is mounted)."""
    return path == COOKIE_PATH or path.startswith(f"{COOKIE_PATH}/")


def console_http_errors(elsewhere: Handler) -> Handler:
    """The app's handler of the framework's own refusals: a page under ``/console`` — including a path no
    route matched (404) or a method none takes (405), which litestar raises before any router's table is
    consulted — and ``elsewhere``'s answer on every other path."""

    def handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        return _http_page(request, exc) if under_console(request.url.path) else elsewhere(request, exc)

    return handler


def console_router() -> Router:
    """The console under ``/console``: its own ``principal``, the CSRF guard, the page error table."""
    return Router(
        path=COOKIE_PATH,
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
