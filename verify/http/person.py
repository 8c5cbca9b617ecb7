"""``POST /person``: the person look-up form's answer (the form itself is ``GET /?mode=person``).

The form posts (``application/x-www-form-urlencoded``) rather than gets: a document number must never be
in a URL, where access logs, browser history and proxies keep it. The answer page is ``no-store``. Fields:
``name``, ``id_type`` (a wire value, ``resident_id`` …), ``id_number``, and from the form's inline script
``challenge`` and ``nonce`` (the proof of work, :mod:`verify.person.pow`); ``lang``.
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import parse_qs

from litestar import Controller, Request, post
from litestar.di import NamedDependency

from verify.http.api import client_of
from verify.http.fixed import PERSON_NOT_OFFERED
from verify.http.responses import RawResponse, html_response
from verify.person.texts import PERSON_UI
from verify.runtime import VerifyRuntime
from verify.texts import Lang, lang_of

#: Five short fields and a challenge: anything longer is not from the form.
MAX_FORM_BYTES: Final = 4096
_FIELDS: Final = ("name", "id_type", "id_number", "challenge", "nonce", "lang")


def not_offered(runtime: VerifyRuntime, lang: Lang) -> RawResponse:
    """503 page when the deployment has no id-hash key (the person look-up cannot index anything)."""
    pages = runtime.fixed.pages
    message = PERSON_NOT_OFFERED
    toggle = "/?lang=en" if lang == "zh" else "/"
    return html_response(pages.problem(lang, message, toggle=toggle), pages.csp, status=503)


def form_fields(body: bytes) -> dict[str, str] | None:
    """The form's fields (the first value of each, at most 256 characters), or ``None`` when the body is not
    a URL-encoded UTF-8 form."""
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=12)
    except (UnicodeDecodeError, ValueError):
        return None
    return {name: parsed.get(name, [""])[0][:256] for name in _FIELDS}


class PersonPages(Controller):
    include_in_schema = False

    @post("/person", status_code=200, request_max_body_size=MAX_FORM_BYTES)
    async def person(self, request: Request[Any, Any, Any], runtime: NamedDependency[VerifyRuntime]) -> RawResponse:
        """The person's certificates, or the form again with what was wrong."""
        fields = form_fields(await request.body())
        lang = lang_of((fields or {}).get("lang") or request.query_params.get("lang"))
        if runtime.person is None:
            return not_offered(runtime, lang)
        if fields is None:
            return runtime.person.form(client_of(request), lang, message=PERSON_UI[lang]["need_all"])
        return await runtime.person.page(
            client_of(request),
            lang,
            name=fields["name"],
            id_type=fields["id_type"],
            id_number=fields["id_number"],
            challenge=fields["challenge"],
            nonce=fields["nonce"],
        )
