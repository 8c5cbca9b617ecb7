"""The order of work of a person look-up, for the form (``POST /person``), the API and batch items.

1. Rate limit per client address (a dict update): ``person_rate_per_minute`` when the form's proof of work
   is solved or the request comes through the API, ``person_nojs_rate_per_minute`` when it is not (a form
   sent with JavaScript off); an API key's own limit when one is given.
2. The document checked by its type's validator (a precise 400, before any look-up) and turned into the
   holder index and the person's tag.
3. Rate limit per person (``person_id_rate_per_minute``, keyed by the tag across every address), so one
   person's document cannot be probed from many addresses.
4. The in-process cache (keyed by person, normalised name and variant), else :class:`PersonStore` and
   :class:`PersonAnswers`, and the fill floor (:mod:`verify.timing`) under the first look-up, so an unknown
   document, a known one with another name and a person without certificates take the same time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import msgspec
from markupsafe import Markup

from registry.calendar import ProvinceToday
from registry.holders import normalise_name
from registry.rules.errors import Violation
from registry.rules.policy import ProvinceProfile
from verify.cache.lru import Entry, ResponseCache
from verify.errors import ServiceUnavailableError
from verify.http.fixed import FixedAnswers, error_json
from verify.http.pages import Pages
from verify.http.responses import RawResponse, encode_json, html_response
from verify.metrics import Metrics
from verify.person.cache import PersonStore
from verify.person.lookup import PersonQuery, parse_person
from verify.person.pow import SCRIPT, SCRIPT_HASH, ProofOfWork
from verify.person.render import PersonAnswers
from verify.person.texts import PERSON_UI
from verify.queries import ApiKeyRecord
from verify.ratelimit import RateLimiter
from verify.schemas import VerifyQuery
from verify.texts import Lang
from verify.timing import FillFloor

_encode: Final = encode_json
_MAX_FIELD: Final = 64


class PersonLimits(msgspec.Struct, frozen=True, kw_only=True):
    """Per-minute limits of the person look-up (see the module docstring) and how long answers live."""

    per_ip: int
    per_ip_nojs: int
    per_id: int
    api_per_minute: int
    public_per_minute: int
    ttl: float


@dataclass(eq=False, repr=False, kw_only=True)
class PersonService:
    """Person look-ups of one worker."""

    profile: ProvinceProfile
    secret: bytes
    store: PersonStore
    cache: ResponseCache[RawResponse]
    limiter: RateLimiter
    metrics: Metrics
    pages: Pages
    fixed: FixedAnswers
    answers: PersonAnswers
    pow: ProofOfWork
    limits: PersonLimits
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self.fill_floor = FillFloor()
        #: The pages' policy plus the one inline script of the form, allowed by its hash.
        script_src = f"default-src 'none'; script-src '{SCRIPT_HASH}';".encode()
        self.form_csp = self.pages.csp.replace(b"default-src 'none';", script_src)
        self._province_today = ProvinceToday(self.clock)

    # --- the form -------------------------------------------------------------------------------------

    def form(
        self,
        client: str,
        lang: Lang,
        *,
        name: str = "",
        id_type: str = "",
        message: str | None = None,
        error_field: str | None = None,
    ) -> RawResponse:
        """``GET /?mode=person``: the person tab with a fresh challenge (400 when ``message`` says why; it stands
        next to ``error_field``, ``person-name`` or ``id-number``, and describes it)."""
        retry = self.limiter.hit(client, self.limits.public_per_minute)
        if retry:
            return self.fixed.too_many(lang, retry)
        zh = lang == "zh"
        body = self.pages._render(
            "person_form.html",
            lang,
            "/?mode=person" + ("&lang=en" if zh else ""),
            mode="person",
            message=message,
            error_field=error_field,
            name=name[:_MAX_FIELD],
            id_type=id_type or self.profile.document_types[0].value,
            types=[(t.value, t.label_zh if zh else t.label_en) for t in self.profile.document_types],
            challenge=self.pow.challenge(client),
            bits=self.pow.bits,
            script=_script(),
        )
        return html_response(body, self.form_csp, status=400 if message else 200)

    async def page(
        self, client: str, lang: Lang, *, name: str, id_type: str, id_number: str, challenge: str, nonce: str
    ) -> RawResponse:
        """``POST /person``: the person's certificates as a page."""
        self.metrics.requests.labels("person_page").inc()
        solved = self.pow.solved(client, challenge, nonce, id_type=id_type, id_number=id_number, name=name)
        if solved:
            retry = self.limiter.hit(f"person:{client}", self.limits.per_ip)
        else:
            retry = self.limiter.hit(f"person-nojs:{client}", self.limits.per_ip_nojs)
        if retry:
            self.metrics.rate_limited.labels("person_ip").inc()
            return self.fixed.too_many(lang, retry)
        if not name.strip() or not id_number.strip():
            empty = "person-name" if not name.strip() else "id-number"
            message = PERSON_UI[lang]["need_all"]
            return self.form(client, lang, name=name, id_type=id_type, message=message, error_field=empty)
        query = self._parse(name, id_type, id_number)
        if isinstance(query, Violation):
            detail = query.message_zh if lang == "zh" else query.message_en
            message = PERSON_UI[lang]["id_format"].format(detail=detail)
            return self.form(client, lang, name=name, id_type=id_type, message=message, error_field="id-number")
        retry = self._id_over(query)
        if retry:
            return self.fixed.too_many(lang, retry)
        try:
            return await self._answer(query, lang)
        except ServiceUnavailableError as exc:
            return self.fixed.unavailable(lang, exc.retry_after)

    # --- the API --------------------------------------------------------------------------------------

    async def api(self, client: str, item: VerifyQuery, api_key: ApiKeyRecord | None) -> RawResponse:
        """``POST /v1/verify`` with ``{name, id_type, id_number}``: JSON, 400 for a malformed document."""
        self.metrics.requests.labels("person_api").inc()
        if api_key is None:
            retry = self.limiter.hit(f"person:{client}", self.limits.per_ip)
        else:
            retry = self.limiter.hit(f"key:{api_key.id}", api_key.rate_per_minute or self.limits.api_per_minute)
        if retry:
            self.metrics.rate_limited.labels("api_key" if api_key else "person_ip").inc()
            return self.fixed.too_many(None, retry)
        query = self._parse(item.name, item.id_type or "", item.id_number or "")
        if isinstance(query, Violation):
            return invalid_document_json(query)
        retry = self._id_over(query)
        if retry:
            return self.fixed.too_many(None, retry)
        try:
            return await self._answer(query, "json")
        except ServiceUnavailableError as exc:
            return self.fixed.unavailable(None, exc.retry_after)

    async def item(self, item: VerifyQuery) -> bytes:
        """One batch item (the batch was already counted against its key); raises ServiceUnavailableError."""
        query = self._parse(item.name, item.id_type or "", item.id_number or "")
        if isinstance(query, Violation):
            return invalid_document_item(query)
        retry = self._id_over(query)
        if retry:
            return _encode(
                {
                    "result": "rate_limited",
                    "reason": "person_rate",
                    "message": f"该证件查询过于频繁，请 {retry} 秒后重试 / too many look-ups of this document; "
                    f"retry in {retry} s",
                    "retry_after": retry,
                }
            )
        return (await self._answer(query, "item")).body

    # --- shared steps ---------------------------------------------------------------------------------

    def _parse(self, name: str, id_type: str, id_number: str) -> PersonQuery | Violation:
        return parse_person(
            self.profile, self.secret, name[:_MAX_FIELD], id_type[:32], id_number, today=self._province_today()
        )

    def _id_over(self, query: PersonQuery) -> int:
        retry = self.limiter.hit(f"id:{query.tag}", self.limits.per_id)
        if retry:
            self.metrics.rate_limited.labels("person_id").inc()
        return retry

    async def _answer(self, query: PersonQuery, variant: str) -> RawResponse:
        key = ("person", query.tag, variant, normalise_name(query.name))
        entry = self.cache.get(key)
        if entry is not None:
            self.metrics.local_hit.inc()
            return entry.response
        self.metrics.local_miss.inc()
        fill = self.fill_floor.begin()
        try:
            views, started = await self.store.get(query)
            response, _found = self.answers.build(views, query.name, variant)
        except BaseException:
            self.fill_floor.abandon(fill)
            raise
        if not any(self.cache.changed_since(view.number, started) for view in views):
            entry = Entry(response, number=query.tag, expires=self.clock() + self.limits.ttl)
            if self.cache.put(key, entry, started=started):
                self.store.remember(query.tag, views)
        await self.fill_floor.finish(fill)
        return response


def _script() -> Markup:
    return Markup(SCRIPT)  # noqa: S704 - our own file, inlined verbatim so its hash matches the policy


def invalid_document_json(violation: Violation) -> RawResponse:
    """400 for a malformed document type or number, with the validator's precise zh/en message."""
    what = ("证件类型", "document type") if violation.field == "id_type" else ("证件号码", "document number")
    return error_json(
        400,
        f"{what[0]}不正确：{violation.message_zh} / invalid {what[1]}: {violation.message_en}",
        {"code": violation.code, "field": violation.field or "id_number"},
    )


def invalid_document_item(violation: Violation) -> bytes:
    """A batch item's answer to a malformed document (the batch itself stays valid)."""
    return _encode(
        {
            "result": "invalid_id_number",
            "reason": violation.code,
            "message": f"证件号码或类型不正确：{violation.message_zh} / invalid document: {violation.message_en}",
        }
    )
