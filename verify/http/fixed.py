"""Answers that do not depend on a certificate: not found, bad input, rate limited, unavailable.

Built once (or once per distinct ``Retry-After``) and sent as they are, so that refusing a flood costs no
more than serving a cache hit, and so that "not found" is byte-for-byte the same whatever was asked.
"""

from __future__ import annotations

from typing import Final

import msgspec

from registry.rules.errors import Violation
from verify.answers import NOT_FOUND, Answer, Result
from verify.http.pages import Filled, Pages
from verify.http.problems import PROBLEM_JSON, problem_bytes
from verify.http.responses import NO_STORE, RawResponse, html_response, json_response, retry_after
from verify.schemas import result_of
from verify.texts import LANGS, UI, Lang

_encode: Final = msgspec.json.encode

#: Why a person look-up is refused where the deployment has no id-hash key (page and JSON alike).
PERSON_NOT_OFFERED: Final = "本服务未开通按证件查询 / look-up by identity document is not offered here"
#: Its JSON answer's code: the same status as a database that is down, which has a Retry-After and no code.
PERSON_NOT_OFFERED_CODE: Final = "person.not_offered"


def error_json(
    status: int,
    message: str,
    detail: object = None,
    *,
    extra: tuple[tuple[bytes, bytes], ...] = (),
    rule: str | None = None,
    code: str | None = None,
) -> RawResponse:
    """Every JSON error answer: RFC 9457 problem details (:mod:`verify.http.problems`), ``detail`` given here
    going to its ``errors`` member."""
    body = problem_bytes(status, message, detail, rule=rule, code=code)
    return RawResponse(status, body, [(b"content-type", PROBLEM_JSON.encode()), NO_STORE, *extra])


class FixedAnswers:
    """The constant answers of one app (pages need the app's style-sheet policy)."""

    def __init__(self, pages: Pages, *, retry_after_seconds: int) -> None:
        self.pages = pages
        self.not_found_result = _encode(result_of(NOT_FOUND))
        self.not_found_json = json_response(self.not_found_result)
        self.not_found_item = RawResponse(200, self.not_found_result, [])
        self.not_found_page = {
            lang: html_response(pages.answer(NOT_FOUND, lang, via="query", toggle=_form_toggle(lang)), pages.csp)
            for lang in LANGS
        }
        self.missing_page = {
            lang: html_response(
                pages.problem(lang, UI[lang]["not_found_page"], toggle=_form_toggle(lang)), pages.csp, status=404
            )
            for lang in LANGS
        }
        self.form_page = {
            lang: html_response(pages.form(lang), pages.csp, cache=b"public, max-age=300") for lang in LANGS
        }
        self.missing_key = error_json(
            401,
            "需要 API 密钥 / an API key is required (X-API-Key or Authorization: Bearer)",
            extra=((b"www-authenticate", b'Bearer realm="certreg"'),),
        )
        self.bad_key = error_json(
            401,
            "API 密钥无效或已吊销 / the API key is unknown or revoked",
            extra=((b"www-authenticate", b'Bearer realm="certreg", error="invalid_token"'),),
        )
        self.repeated_key = error_json(
            400,
            "X-API-Key 与 Authorization 请求头各只能有一个，且只含一个密钥（不能有逗号） / "
            "send X-API-Key or Authorization once, holding one key (no comma)",
        )
        #: One answer for an unknown number, a wrong name, a forged token and a certificate without a
        #: credential: a credential is had only with what verifying the certificate needs.
        self.no_credential = error_json(
            404,
            "没有与该编号和姓名（或二维码）对应的凭证 / no credential for this number and name (or QR token)",
        )
        self.no_certificate = error_json(404, "没有该编号的证书 / no certificate with this number")
        self._retry_after = retry_after_seconds
        self.unavailable_json = error_json(
            503,
            "查询服务暂时不可用，请稍后重试 / the registry cannot be read right now; retry later",
            extra=retry_after(retry_after_seconds),
        )
        #: A deployment without the id-hash key offers no person look-up (docs/verify.md): no retry helps, so
        #: it is not the "retry later" of a database that is down.
        self.person_not_offered_json = error_json(503, PERSON_NOT_OFFERED, code=PERSON_NOT_OFFERED_CODE)
        self.unavailable_page = {
            lang: self._problem(
                lang, 503, UI[lang]["unavailable"].format(seconds=retry_after_seconds), retry_after_seconds
            )
            for lang in LANGS
        }
        self._too_many: dict[tuple[Lang | None, int], RawResponse] = {}

    def too_many(self, lang: Lang | None, seconds: int) -> RawResponse:
        """429 with ``Retry-After: seconds``, as a page (``lang``) or as JSON (``None``)."""
        key = (lang, seconds)
        response = self._too_many.get(key)
        if response is None:
            if lang is None:
                response = error_json(
                    429, "请求过于频繁 / too many requests", {"retry_after": seconds}, extra=retry_after(seconds)
                )
            else:
                response = self._problem(lang, 429, UI[lang]["too_many"].format(seconds=seconds), seconds)
            self._too_many[key] = response
        return response

    def unavailable(self, lang: Lang | None, seconds: int) -> RawResponse:
        """503 with ``Retry-After``, as a page or as JSON."""
        if seconds != self._retry_after:
            return error_json(503, "查询服务暂时不可用 / unavailable; retry later", extra=retry_after(seconds))
        return self.unavailable_json if lang is None else self.unavailable_page[lang]

    def invalid_number_json(self, violation: Violation) -> RawResponse:
        return error_json(
            400,
            f"证书编号格式错误：{violation.message_zh} / invalid certificate number: {violation.message_en}",
            {"code": violation.code, "field": "number"},
            rule=violation.rule,
        )

    def invalid_number_item(self, violation: Violation) -> bytes:
        """A batch item's answer to a malformed number (the batch itself stays valid)."""
        answer = Answer(result=Result.INVALID_NUMBER, reason="invalid_number")
        item = result_of(answer)
        message = f"{answer.label_zh}：{violation.message_zh} / {answer.label_en}: {violation.message_en}"
        return _encode(msgspec.structs.replace(item, message=message))

    def form(self, lang: Lang, filled: Filled) -> RawResponse:
        """The query form with a message about a field (400) or a number filled in (short mode, 200)."""
        body = self.pages.form(lang, filled)
        return html_response(body, self.pages.csp, status=400 if filled.message else 200)

    def bad_request_page(self, lang: Lang, message: str) -> RawResponse:
        """A page for people whose address carries a parameter it cannot take (``/notice?page=0``)."""
        return html_response(self.pages.problem(lang, message, toggle=_form_toggle(lang)), self.pages.csp, status=400)

    def _problem(self, lang: Lang, status: int, message: str, seconds: int) -> RawResponse:
        body = self.pages.problem(lang, message, toggle=_form_toggle(lang))
        return html_response(body, self.pages.csp, status=status, extra=retry_after(seconds))


def _form_toggle(lang: Lang) -> str:
    return "/?lang=en" if lang == "zh" else "/"
