"""The console's CSRF check: every state-changing request under ``/console/`` carries the session's token.

The token comes in the form field ``_csrf`` (or the ``X-CSRF-Token`` header, for a script), and must equal
the signed-in session's; before sign-in, the ``certreg_console_csrf`` cookie's (double submit). A request
without it is refused with 403 before its handler runs — the rule is on the router, so no screen can forget it.
A form whose session ended while it was open is refused too, with "sign in again" (401) and a way back to
its page, rather than a 403 that blames another site.
"""

from __future__ import annotations

import hmac
from typing import Any, Final
from urllib.parse import urlsplit

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from issuer.console.errors import CsrfRefused, SignInRequired
from issuer.console.session import PRE_CSRF_COOKIE, SESSION_COOKIE, current_session

FIELD: Final = "_csrf"
HEADER: Final = "x-csrf-token"
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
#: Route ``opt`` keys: the sign-in form, posted before there is a session (checked against the pre-sign-in
#: cookie); the sign-out, which without a session has nothing to end and needs no token.
BEFORE_SIGN_IN: Final = "csrf_before_sign_in"
NOTHING_TO_END: Final = "csrf_nothing_to_end"


async def sent_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The token the request carries: header first, else the form field (the parsed form is kept for the
    handler, so reading it here costs nothing twice)."""
    header = connection.headers.get(HEADER, "")
    if header:
        return header
    if not isinstance(connection, Request):
        return ""
    form = await connection.form()
    value = form.get(FIELD, "")
    return value if isinstance(value, str) else ""


def form_page(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The console page a form was posted from (its ``Referer``, path and query only, so it can only lead
    back into the console; the sign-in page checks it again), else the dashboard."""
    referer = urlsplit(connection.headers.get("referer", ""))
    page = referer.path + (f"?{referer.query}" if referer.query else "")
    return page if page.startswith("/console/") else "/console/"


async def csrf_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Raise :class:`CsrfRefused` (403) for a state-changing request without the right token."""
    if connection.scope.get("method", "GET") in SAFE_METHODS:
        return
    live = await current_session(connection)
    if live is None and not handler.opt.get(BEFORE_SIGN_IN):
        if handler.opt.get(NOTHING_TO_END):
            return  # signing out with no session (a second click, a stale tab): nothing to protect
        if connection.cookies.get(SESSION_COOKIE):
            # The session ended while the form was open (idle, reset, signed out elsewhere): "sign in again",
            # not "the form came from another site". Refused all the same: nothing is done.
            raise SignInRequired(form_page(connection))
    expected = live.csrf if live is not None else connection.cookies.get(PRE_CSRF_COOKIE, "")
    # Refused before the body is read: a stranger cannot make the server parse an upload. Only sign-in forms
    # (small, urlencoded) come before a session; a multipart body needs one.
    if not expected or (live is None and "multipart/" in connection.headers.get("content-type", "")):
        raise CsrfRefused
    sent = await sent_token(connection)
    if not expected or not sent or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise CsrfRefused
