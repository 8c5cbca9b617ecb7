"""The read path: answers to QR tokens and to number + name queries, through the two-level cache.

Every method returns a ready :class:`RawResponse` (a verdict, or 400/401/429/503), because what is cached
is the finished answer. Order on every request: rate limit (a dict update), input checks (a malformed
number is refused before any cache or database look-up), the in-process cache, then
:class:`verify.cache.viewstore.ViewStore` (Redis, then the database) and rendering.

Enumeration: a number alone never yields a name. For number + name the cached entry of a number holds the
holder's name and the answer; a wrong name and an unknown number both get the one "not found" answer, after
the same work (see :mod:`verify.http.named`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

import msgspec

from registry.calendar import ProvinceToday
from registry.qrtoken import MAX_TOKEN_CHARS, decode_token
from registry.rules.errors import RuleError, Violation
from registry.rules.numbering import normalise_number, parse_any
from registry.rules.profiles import ProvinceProfile
from verify.answers import Answer, certificate_answer, not_genuine, token_answer
from verify.cache.lru import Entry, ResponseCache
from verify.cache.viewstore import ViewStore
from verify.errors import ServiceUnavailableError
from verify.http.fixed import FixedAnswers, error_json
from verify.http.named import NamedAnswers
from verify.http.pages import Filled, Pages
from verify.http.responses import RawResponse, encode_json, html_response, json_response
from verify.keysets import KeySetCache
from verify.metrics import Metrics
from verify.queries import ApiKeyRecord
from verify.ratelimit import RateLimiter
from verify.schemas import VerifyQuery, VerifyRequest, public_result_of, result_of
from verify.texts import UI, Lang
from verify.timing import FillFloor
from verify.verifier import verify_token

if TYPE_CHECKING:
    from verify.person.service import PersonService

_encode: Final = encode_json


class Limits(msgspec.Struct, frozen=True, kw_only=True):
    public_per_minute: int
    api_per_minute: int
    ttl: float
    negative_ttl: float


@dataclass(eq=False, repr=False, kw_only=True)
class ReadService:
    """Answers of one worker; see the module docstring for the order of work."""

    profile: ProvinceProfile
    cache: ResponseCache[RawResponse]
    views: ViewStore
    keysets: KeySetCache
    limiter: RateLimiter
    metrics: Metrics
    pages: Pages
    fixed: FixedAnswers
    limits: Limits
    clock: Callable[[], float] = time.monotonic
    #: Person look-ups (issue 14) for the batch's ``{name, id_type, id_number}`` items; set by the runtime.
    person: PersonService | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.fill_floor = FillFloor()
        self.named = NamedAnswers(
            pages=self.pages,
            fixed=self.fixed,
            metrics=self.metrics,
            keysets=self.keysets,
            ttl=self.limits.ttl,
            negative_ttl=self.limits.negative_ttl,
            clock=self.clock,
        )
        self._province_today = ProvinceToday(self.clock)

    # --- QR tokens -------------------------------------------------------------------------------------

    async def token(self, client: str, token: str, lang: Lang | None) -> RawResponse:
        """The answer to a QR token: a page in ``lang``, or JSON when ``lang`` is None."""
        self.metrics.route["qr_json" if lang is None else "qr_page"].inc()
        retry = self.limiter.hit(client, self.limits.public_per_minute)
        if retry:
            return self._refused("ip", lang, retry)
        key = ("token", token, lang)
        if len(token) <= MAX_TOKEN_CHARS:
            entry = self.cache.get(key)
            if entry is not None:
                self.metrics.local_hit.inc()
                if entry.on_hit is not None:
                    entry.on_hit()
                return entry.response
        self.metrics.local_miss.inc()
        verdict = verify_token(token, self.keysets.keyset)
        if not verdict.valid or verdict.statement is None:
            answer = not_genuine(verdict.reason)
            self.metrics.verdict(answer)()
            return self._render_token(answer, lang)
        signed, _ = decode_token(token)
        number = verdict.statement.number
        try:
            view, started = await self.views.get(number)
        except ServiceUnavailableError as exc:
            return self.fixed.unavailable(lang, exc.retry_after)
        answer = token_answer(verdict, signed, view, self.keysets.keyset)
        response = self._render_token(answer, lang)
        count = self.metrics.verdict(answer)
        count()
        ttl = self.limits.ttl if answer.view is not None else self.limits.negative_ttl
        self.cache.put(key, Entry(response, number=number, expires=self.clock() + ttl, on_hit=count), started=started)
        return response

    def _render_token(self, answer: Answer, lang: Lang | None) -> RawResponse:
        if lang is None:
            return json_response(_encode(result_of(answer)))
        toggle = "?lang=en" if lang == "zh" else "?lang=zh"
        return html_response(self.pages.answer(answer, lang, via="token", toggle=toggle), self.pages.csp)

    # --- number + name --------------------------------------------------------------------------------

    async def verify(self, client: str, request: VerifyRequest, api_key: ApiKeyRecord | None) -> RawResponse:
        """``POST /v1/verify``: JSON verdict, 400 for a malformed number."""
        found = await self._json_entry("verify", client, request, api_key)
        if isinstance(found, RawResponse):
            return found
        return self.named.match(found[1], request.name, self.fixed.not_found_json)

    async def query_page(self, client: str, number_text: str, name: str, lang: Lang) -> RawResponse:
        """``GET /?number=…&name=…``: the form, or the verdict page."""
        self.metrics.route["query_page"].inc()
        if not number_text and not name:
            return self.fixed.form_page[lang]
        retry = self.limiter.hit(client, self.limits.public_per_minute)
        if retry:
            return self._refused("ip", lang, retry)
        if not number_text.strip() or not name.strip():
            empty = "number" if not number_text.strip() else "name"
            return self.fixed.form(lang, Filled(number_text[:64], name[:64], UI[lang]["need_both"], error_field=empty))
        number = self._parse(number_text)
        if isinstance(number, Violation):
            detail = number.message_zh if lang == "zh" else number.message_en
            message = UI[lang]["number_format"].format(detail=detail)
            return self.fixed.form(lang, Filled(number_text[:64], name[:64], message, error_field="number"))
        try:
            entry = await self._entry(number, lang)
        except ServiceUnavailableError as exc:
            return self.fixed.unavailable(lang, exc.retry_after)
        return self.named.match(entry, name, self.fixed.not_found_page[lang])

    def short_page(self, number_text: str, lang: Lang) -> RawResponse:
        """``GET /c/{number}``: the form with the number filled in; never a name."""
        self.metrics.route["short_page"].inc()
        number = self._parse(number_text)
        if isinstance(number, Violation):
            detail = number.message_zh if lang == "zh" else number.message_en
            message = UI[lang]["number_format"].format(detail=detail)
            return self.fixed.form(lang, Filled(number_text[:64], message=message, error_field="number"))
        return self.fixed.form(lang, Filled(number, short=True))

    async def verify_batch(self, api_key: ApiKeyRecord, items: Sequence[VerifyQuery | VerifyRequest]) -> RawResponse:
        """``POST /v1/verify/batch``: one result per item, in order; counts ``len(items)`` against the key.
        Items of either mode: number + name, or a person look-up (:mod:`verify.person.service`)."""
        self.metrics.route["verify_batch"].inc()
        limit = self._key_limit(api_key)
        if len(items) > limit:  # would be refused in every window: say so instead of 429 forever
            return error_json(
                400,
                f"批量条数超过该密钥每分钟限额（{limit}）/ batch exceeds this key's per-minute limit ({limit})",
                {"items": len(items), "per_minute": limit},
            )
        retry = self._hit("", api_key, len(items))
        if retry:
            return self._refused("api_key", None, retry)
        parts: list[bytes] = [b""] * len(items)
        pending: dict[str, list[int]] = {}
        persons: list[int] = []
        for index, item in enumerate(items):
            if item.number is None:
                persons.append(index)
                continue
            number = self._parse(item.number)
            if isinstance(number, Violation):
                parts[index] = self.fixed.invalid_number_item(number)
                continue
            entry = self.cache.get((number, "item"))
            if entry is None:
                pending.setdefault(number, []).append(index)
            else:
                self.metrics.local_hit.inc()
                parts[index] = self.named.match(entry, item.name, self.fixed.not_found_item).body
        if pending:
            try:
                await self._fill_items(pending, items, parts)
            except ServiceUnavailableError as exc:
                return self.fixed.unavailable(None, exc.retry_after)
        if persons:
            refused = await self._person_items(persons, items, parts)
            if refused is not None:
                return refused
        return json_response(b'{"count":%d,"results":[%b]}' % (len(items), b",".join(parts)))

    async def _person_items(
        self, persons: list[int], items: Sequence[VerifyQuery | VerifyRequest], parts: list[bytes]
    ) -> RawResponse | None:
        """Fill the answers of the batch's person items (concurrently: loads share flights and the person
        store's query slots); a ready 503 when they cannot be answered."""
        person = self.person
        if person is None:
            return self.fixed.person_not_offered_json
        queries = [query for query in (items[index] for index in persons) if isinstance(query, VerifyQuery)]
        try:
            answers = await asyncio.gather(*(person.item(query) for query in queries))
        except ServiceUnavailableError as exc:
            return self.fixed.unavailable(None, exc.retry_after)
        for index, body in zip(persons, answers, strict=True):
            parts[index] = body
        return None

    async def _fill_items(
        self, pending: dict[str, list[int]], items: Sequence[VerifyQuery | VerifyRequest], parts: list[bytes]
    ) -> None:
        self.metrics.local_miss.inc(len(pending))
        views, started = await self.views.get_many(list(pending))
        for number, indices in pending.items():
            entry = self.named.make(number, views[number], "item")
            self.cache.put((number, "item"), entry, started=started)
            for index in indices:
                parts[index] = self.named.match(entry, items[index].name, self.fixed.not_found_item).body

    # --- the employer's certificate look-up ----------------------------------------------------------------

    async def public_certificate(self, api_key: ApiKeyRecord, number_text: str) -> RawResponse:
        """``GET /v1/certificates/{number}`` (API key): the public view and status, no holder; 400 for a
        malformed number, 404 for an unknown one, 429 over the key's limit, 503."""
        self.metrics.route["certificate"].inc()
        retry = self._hit("", api_key, 1)
        if retry:
            return self._refused("api_key", None, retry)
        number = self._parse(number_text)
        if isinstance(number, Violation):
            return self.fixed.invalid_number_json(number)
        try:
            view, _ = await self.views.get(number)
        except ServiceUnavailableError as exc:
            return self.fixed.unavailable(None, exc.retry_after)
        if view is None:
            return self.fixed.no_certificate
        return json_response(_encode(public_result_of(certificate_answer(view, self.keysets.keyset), view)))

    # --- standards credentials (docs/credentials.md) ----------------------------------------------------

    async def named_number(
        self, client: str, request: VerifyRequest, api_key: ApiKeyRecord | None
    ) -> str | RawResponse:
        """``POST /v1/credentials``: the number when ``request.name`` names its holder, else the ready answer:
        429, 400 (malformed number), 503, or :attr:`FixedAnswers.no_credential` — the same for an unknown
        number and a wrong name, after the same work, as ``POST /v1/verify`` (same limits too)."""
        found = await self._json_entry("credentials", client, request, api_key)
        if isinstance(found, RawResponse):
            return found
        number, entry = found
        return number if self.named.matches(entry, request.name) else self.fixed.no_credential

    async def _json_entry(
        self, route: str, client: str, request: VerifyRequest, api_key: ApiKeyRecord | None
    ) -> tuple[str, Entry[RawResponse]] | RawResponse:
        """The number and its JSON entry for ``POST /v1/verify`` and ``POST /v1/credentials`` (the same
        limits, checks and work), or the ready refusal: 429, 400 (malformed number) or 503."""
        self.metrics.route[route].inc()
        retry = self._hit(client, api_key, 1)
        if retry:
            return self._refused("api_key" if api_key else "ip", None, retry)
        number = self._parse(request.number)
        if isinstance(number, Violation):
            return self.fixed.invalid_number_json(number)
        try:
            return number, await self._entry(number, "json")
        except ServiceUnavailableError as exc:
            return self.fixed.unavailable(None, exc.retry_after)

    def token_statement(self, client: str, token: str) -> tuple[str, bytes] | RawResponse:
        """``GET /v1/qr/{token}/credential``: the number and the signed statement of a genuine token (checked
        against the key set, offline), else 429 or :attr:`FixedAnswers.no_credential`."""
        self.metrics.route["qr_credential"].inc()
        retry = self.limiter.hit(client, self.limits.public_per_minute)
        if retry:
            return self._refused("ip", None, retry)
        verdict = verify_token(token, self.keysets.keyset)
        if not verdict.valid or verdict.statement is None:
            return self.fixed.no_credential
        signed, _ = decode_token(token)
        return verdict.statement.number, signed

    # --- shared steps -----------------------------------------------------------------------------------

    def ip_over(self, client: str) -> int:
        """The Retry-After of a client IP that is over the public limit, else 0 (nothing counted)."""
        return self.limiter.over(client, self.limits.public_per_minute)

    def may_look_up(self, client: str) -> bool:
        """Whether a client IP that is over the public limit may still have one API key looked up in the
        database: up to the public limit again per window, so that a valid key is recognised whatever its IP
        did before (its own limit then governs it), while a flood of guessed keys costs a bounded number of
        queries."""
        return self.limiter.hit(f"lookup:{client}", self.limits.public_per_minute) == 0

    def refused_ip(self, retry: int) -> RawResponse:
        """429 for a request without a valid API key from an IP over the public limit."""
        return self._refused("ip", None, retry)

    def bad_key(self, client: str) -> None:
        """Count a request with a missing, unknown or revoked API key against its IP, so guessing keys is
        limited like any other public request."""
        self.limiter.hit(client, self.limits.public_per_minute)

    def _hit(self, client: str, api_key: ApiKeyRecord | None, cost: int) -> int:
        if api_key is None:
            return self.limiter.hit(client, self.limits.public_per_minute, cost)
        return self.limiter.hit(f"key:{api_key.id}", self._key_limit(api_key), cost)

    def _key_limit(self, api_key: ApiKeyRecord) -> int:
        return api_key.rate_per_minute or self.limits.api_per_minute

    def _refused(self, scope: str, lang: Lang | None, retry: int) -> RawResponse:
        self.metrics.rate_limited.labels(scope).inc()
        return self.fixed.too_many(lang, retry)

    def _parse(self, text: str) -> str | Violation:
        """The canonical number, or why it is not one (checked before any look-up)."""
        try:
            parse_any(self.profile, text, today=self._province_today())
        except RuleError as exc:
            return exc.violation
        return normalise_number(text)

    async def _entry(self, number: str, variant: str) -> Entry[RawResponse]:
        key = (number, variant)
        entry = self.cache.get(key)
        if entry is not None:
            self.metrics.local_hit.inc()
            return entry
        self.metrics.local_miss.inc()
        fill = self.fill_floor.begin()  # learns only from fills that ran alone (verify/timing.py)
        try:
            view, started = await self.views.get(number)
            entry = self.named.make(number, view, variant)
        except BaseException:
            self.fill_floor.abandon(fill)
            raise
        self.cache.put(key, entry, started=started)
        await self.fill_floor.finish(fill)
        return entry
