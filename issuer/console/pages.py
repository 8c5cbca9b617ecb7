"""Rendering console pages: Jinja2 (autoescaped), Chinese first with an English toggle kept in a cookie.

:func:`render` is what every console handler returns through. It gives each template ``lang``, ``tr(zh, en)``
(the text of the current language), ``csrf`` (the hidden field's value), ``me`` (the signed-in
:class:`~issuer.console.session.LiveSession` or ``None``), ``nav`` (the role's links) and ``path``. Pages load
one style sheet of our own and nothing else: the Content-Security-Policy allows no external font, script or
style, and no inline script.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Concatenate, Final, Literal, ParamSpec
from urllib.parse import parse_qsl, urlencode, urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from litestar import Request, Response
from litestar.datastructures import Cookie

from issuer.auth.roles import ROLE_LABELS_ZH
from issuer.console.csrf import form_page
from issuer.console.nav import nav_for
from issuer.console.session import (
    COOKIE_PATH,
    PRE_CSRF_COOKIE,
    console_runtime,
    csrf_token,
    current_session,
    signed_in,
)
from issuer.text_checks import REASON_MAX_LENGTH

P = ParamSpec("P")
Lang = Literal["zh", "en"]
LANG_COOKIE: Final = "certreg_lang"
CSP: Final = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)

_env: Final = Environment(
    loader=PackageLoader("issuer.console", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.globals["role_zh"] = ROLE_LABELS_ZH
#: Every reason field's ``maxlength``: the limit the form and the services hold to.
_env.globals["reason_max"] = REASON_MAX_LENGTH


#: What the sign-in page says when an action sent the user there (``/console/login?notice=``); any other value
#: says nothing.
LOGIN_NOTICES: Final = {
    "signed_out": "您已退出登录 / you have signed out",
    "expired": "登录已失效，请重新登录 / your session has ended: sign in again",
    "locked": "当前密码连续输错，账户已锁定并退出登录；请稍后再试或请管理员重置 / the current password was wrong too "
    "many times: the account is locked and signed out; try again later or ask your administrator for a reset",
}


def sign_in_saying(notice: str) -> str:
    """The sign-in page's address that says :data:`LOGIN_NOTICES` ``[notice]``."""
    return f"/console/login?{urlencode({'notice': notice})}"


def environment() -> Environment:
    """The console's template environment (screens may add filters to it)."""
    return _env


def language(request: Request[Any, Any, Any]) -> Lang:
    """``?lang=en|zh`` when given, else the cookie, else Chinese."""
    wanted = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "zh"
    return "en" if wanted == "en" else "zh"


def toggle_url(request: Request[Any, Any, Any], lang: Lang) -> str:
    """This page in the other language. A page answering a form (a refusal, a confirmation) has no address
    of its own — a GET of the form's path is a 405 — so its toggle leads to the page the form was on."""
    other = "zh" if lang == "en" else "en"
    query: list[tuple[str, str]]
    if request.method in ("GET", "HEAD"):
        path, query = request.url.path, list(request.query_params.multi_items())
    else:
        page = urlsplit(form_page(request))
        path, query = page.path, parse_qsl(page.query)
    params = [(k, v) for k, v in query if k != "lang"]
    params.append(("lang", other))
    return f"{path}?{urlencode(params)}"


def render_now(
    request: Request[Any, Any, Any],
    template: str,
    /,
    *,
    status_code: int = 200,
    title: tuple[str, str] | None = None,
    cookies: list[Cookie] | None = None,
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> Response[str]:
    """The page ``template`` rendered for this request, with the session as far as the request has looked it
    up (for exception handlers, which cannot wait; handlers use :func:`render`)."""
    me = signed_in(request)
    lang = language(request)

    def tr(zh: str, en: str) -> str:
        return en if lang == "en" else zh

    csrf = csrf_token(request)
    body = _env.get_template(template).render(
        lang=lang,
        tr=tr,
        csrf=csrf,
        me=me,
        nav=nav_for(me.role) if me is not None else [],
        path=request.url.path,
        toggle=toggle_url(request, lang),
        page_title=tr(*title) if title else "",
        **context,
    )
    all_cookies = list(cookies or [])
    if request.query_params.get("lang") in ("zh", "en"):
        all_cookies.append(Cookie(key=LANG_COOKIE, value=lang, path="/", max_age=365 * 86400, samesite="lax"))
    if me is None and request.cookies.get(PRE_CSRF_COOKIE) != csrf:
        secure = console_runtime(request).secure_cookies
        all_cookies.append(
            Cookie(key=PRE_CSRF_COOKIE, value=csrf, path=COOKIE_PATH, httponly=True, samesite="lax", secure=secure)
        )
    return Response(
        body,
        status_code=status_code,
        media_type="text/html",
        cookies=all_cookies,
        headers={
            "content-security-policy": CSP,
            "cache-control": "no-store",
            "x-content-type-options": "nosniff",
            "referrer-policy": "same-origin",
            **(headers or {}),
        },
    )


def _after_session_lookup(
    render_page: Callable[Concatenate[Request[Any, Any, Any], str, P], Response[str]],
) -> Callable[Concatenate[Request[Any, Any, Any], str, P], Awaitable[Response[str]]]:
    async def render(
        request: Request[Any, Any, Any], template: str, /, *args: P.args, **kwargs: P.kwargs
    ) -> Response[str]:
        """The page ``template`` rendered for this request (see the module docstring for what it is given)."""
        await current_session(request)
        return render_page(request, template, *args, **kwargs)

    return render


#: :func:`render_now` once the session is looked up: what every handler returns through.
render: Final = _after_session_lookup(render_now)
