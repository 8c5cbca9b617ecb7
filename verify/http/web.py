"""The public pages: the QR landing page (``/q/`` and ``/Q/``), the query form (``/``) and the short mode
(``/c/``). Chinese by default, ``?lang=en`` for English; no JavaScript anywhere.

``/log/{index}`` is the readable page of a certificate's inclusion proof in the transparency log (what it
means in plain words, then the hashes; the JSON stays at ``/v1/log/proof/inclusion``).

The form submits with GET (``/?number=…&name=…``): the answer is a bookmarkable, reloadable page with no
resubmission prompt, and the server keeps nothing between requests. The pages send
``Referrer-Policy: no-referrer`` and ``Cache-Control: no-store`` so the name typed does not travel further.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from registry.errors import NotFoundError
from registry.log.errors import LogRangeError
from registry.log.service import inclusion_view
from verify.errors import DATABASE_ERRORS, unavailable
from verify.http.api import client_of
from verify.http.fastlane import TokenLane
from verify.http.head import get
from verify.http.log_api import LeafIndex, TreeSize
from verify.http.person import not_offered
from verify.http.responses import RawResponse, html_response
from verify.queries import checkpoint_note
from verify.runtime import VerifyRuntime
from verify.texts import UI, lang_of

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
        *,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[VerifyRuntime],
        number: FromQuery[str] = "",
        name: FromQuery[str] = "",
        lang: FromQuery[str | None] = None,
        mode: FromQuery[str | None] = None,
    ) -> RawResponse:
        if mode == "person":  # the second tab: name + document (issue 14, verify/http/person.py)
            if runtime.person is None:
                return not_offered(runtime, lang_of(lang))
            return runtime.person.form(client_of(request), lang_of(lang), name=name[:MAX_FIELD])
        return await runtime.service.query_page(client_of(request), number[:MAX_FIELD], name[:MAX_FIELD], lang_of(lang))

    @get("/c/{number:str}")
    async def short(
        self, number: FromPath[str], runtime: NamedDependency[VerifyRuntime], lang: FromQuery[str | None] = None
    ) -> RawResponse:
        return runtime.service.short_page(number[:MAX_FIELD], lang_of(lang))

    @get("/log/{index:int}")
    async def log_proof(
        self,
        index: LeafIndex,
        runtime: NamedDependency[VerifyRuntime],
        size: TreeSize = None,
        lang: FromQuery[str | None] = None,
    ) -> RawResponse:
        """The inclusion proof of log entry ``index`` as a page a person can read (issue 10, item 17)."""
        language = lang_of(lang)
        pages = runtime.fixed.pages
        toggle = (
            f"/log/{index}?"
            + (f"size={size}&" if size is not None else "")
            + f"lang={'en' if language == 'zh' else 'zh'}"
        )
        try:
            async with runtime.database.read_engine.connect() as conn:
                signed = await checkpoint_note(conn, size)
            async with runtime.database.reader() as session:
                proof = await inclusion_view(session, index, size if signed is None else signed[0])
        except (LogRangeError, NotFoundError) as exc:
            message = f"{UI[language]['proof_title']}：{exc}"
            return html_response(pages.problem(language, message, toggle=toggle), pages.csp, status=404)
        except DATABASE_ERRORS as exc:
            raise unavailable(exc, runtime.settings.database.retry_after_seconds) from None
        body = pages.proof(proof, signed[1] if signed else "—", language, toggle=toggle)
        return html_response(body, pages.csp, cache=b"public, max-age=60")
