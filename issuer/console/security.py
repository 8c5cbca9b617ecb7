"""The signed-in user's own security pages: changing the password, enrolling (or replacing) the TOTP second
factor with its QR code, and the recovery codes shown once (docs/console.md). Mounted by
:func:`issuer.console.app.console_router`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

import msgspec
import segno
from litestar import Request, Response, get, post
from litestar.params import URLEncodedBody
from litestar.response import Redirect
from markupsafe import Markup

from issuer.console import totp
from issuer.console.accounts import (
    Refusal,
    change_password,
    check_current_password,
    enrol_totp,
    get_account,
    totp_required,
)
from issuer.console.errors import SignInRequired
from issuer.console.pages import render, sign_in_saying
from issuer.console.passwords import check_new_password
from issuer.console.session import LiveSession, console_runtime, current_session, promote_session
from issuer.errors import InvalidInputError
from issuer.injected import Caller

TOTP_ISSUER: Final = "certreg"


class PasswordForm(msgspec.Struct, kw_only=True):
    current_password: str = ""
    new_password: str = ""
    repeat_password: str = ""


class TotpForm(msgspec.Struct, kw_only=True):
    code: str = ""
    pending: str = ""
    current_password: str = ""


@get("/password", name="console:password")
async def password_page(request: Request[Any, Any, Any], principal: Caller) -> Response[str]:
    """The signed-in user's own password change."""
    return await render(request, "console/password.html", title=("修改密码", "Change password"), message="", done=False)


@post("/password", name="console:password_change", status_code=200)
async def password_change(
    request: Request[Any, Any, Any], principal: Caller, data: URLEncodedBody[PasswordForm]
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
        return Redirect(sign_in_saying("locked"), status_code=303)  # the lockout ended this session too
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
async def totp_confirm(request: Request[Any, Any, Any], data: URLEncodedBody[TotpForm]) -> Response[Any]:
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
    now = datetime.now(UTC)
    async with runtime.database.transaction() as session:
        account = await get_account(session, live.login)
        # replacing a second factor asks for the password: a borrowed session must not take the account over
        refused = (
            await check_current_password(session, account, data.current_password[:512], now=now, policy=runtime.policy)
            if live.totp_enrolled
            else None
        )
        codes = None
        if refused is None:
            codes = await enrol_totp(session, account, secret=secret, code=data.code, now=now, key=key)
        if codes is not None:
            await promote_session(session, live.id_hash)
    if refused is not None and refused.refusal is Refusal.LOCKED:
        return Redirect(sign_in_saying("locked"), status_code=303)  # the lockout ended this session too
    if refused is not None:
        return await _totp_page(request, live, secret, "当前密码不正确 / the current password is wrong")
    if codes is None:
        return await _totp_page(request, live, secret, "动态口令不正确，请重试 / the code is wrong: try again")
    return await render(request, "console/recovery.html", title=("恢复码", "Recovery codes"), codes=codes)
