"""The public pages: the QR landing page (``/q/`` and ``/Q/``), the query form (``/``) and the short mode
(``/c/``). Chinese by default, ``?lang=en`` for English; no JavaScript anywhere.

The form submits with GET (``/?number=…&name=…``): the answer is a bookmarkable, reloadable page with no
resubmission prompt, and the server keeps nothing between requests. The pages send
``Referrer-Policy: no-referrer`` and ``Cache-Control: no-store`` so the name typed does not travel further.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from verify.http.api import client_of
from verify.http.fastlane import TokenLane
from verify.http.head import get
from verify.http.responses import RawResponse
from verify.runtime import VerifyRuntime
from verify.texts import lang_of

#: Longer input is cut before any check (a number or a name never has more than 64 characters).
MAX_FIELD = 256


class PublicPages(Controller):
    include_in_schema = False

    @get(["/q/{token:str}", "/Q/{token:str}"], middleware=[TokenLane])
    async def qr_page(
        self,
        request: Request[Any, Any, Any],
        token: FromPath[str],
        runtime: NamedDependency[VerifyRuntime],
        lang: FromQuery[str | None] = None,
    ) -> RawResponse:
        return await runtime.service.token(client_of(request), token, lang_of(lang))

    @get("/")
    async def query(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[VerifyRuntime],
        number: FromQuery[str] = "",
        name: FromQuery[str] = "",
        lang: FromQuery[str | None] = None,
    ) -> RawResponse:
        return await runtime.service.query_page(client_of(request), number[:MAX_FIELD], name[:MAX_FIELD], lang_of(lang))

    @get("/c/{number:str}")
    async def short(
        self, number: FromPath[str], runtime: NamedDependency[VerifyRuntime], lang: FromQuery[str | None] = None
    ) -> RawResponse:
        return runtime.service.short_page(number[:MAX_FIELD], lang_of(lang))
