"""Answers to number + name queries as cache entries, and the name check that guards them.

The entry of a number holds the finished answer and the holder's name as recorded; :meth:`NamedAnswers.match`
gives the answer only when the name given names that holder (``registry.holders.names_match``), and
otherwise the one "not found" answer, which is also what an unknown number gets. Both paths do the same
work: an entry without a certificate compares the name with a placeholder.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlencode

from registry.holders import names_match
from verify.answers import NOT_FOUND, Answer, certificate_answer
from verify.cache.lru import Entry
from verify.decoys import DECOY_KEYSET, DECOY_NAME, decoy_view
from verify.http.fixed import FixedAnswers
from verify.http.pages import Pages
from verify.http.responses import RawResponse, encode_json, html_response, json_response
from verify.keysets import KeySetCache
from verify.metrics import Metrics
from verify.schemas import result_of
from verify.texts import Lang
from verify.views import CertificateView

#: Answer variants of a number: JSON (``POST /v1/verify``), batch items, and the page in each language.
VARIANTS: Final = ("json", "item", "zh", "en")
_encode: Final = encode_json


@dataclass(eq=False, repr=False, kw_only=True)
class NamedAnswers:
    """Builds the entries of numbers and checks names against them."""

    pages: Pages
    fixed: FixedAnswers
    metrics: Metrics
    keysets: KeySetCache
    ttl: float
    negative_ttl: float
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self._not_found = self.metrics.verdict(NOT_FOUND)

    def make(self, number: str, view: CertificateView | None, variant: str) -> Entry[RawResponse]:
        """The entry of ``number`` in ``variant`` (one of :data:`VARIANTS`); ``view`` None: no certificate.

        Without a certificate the answer of a decoy is built just the same and dropped (its statement decoded
        and its signature checked, its page rendered), so that "no such number" costs what "wrong name" costs
        (issue 10, item 7; :mod:`verify.decoys`)."""
        now = self.clock()
        if view is None:
            decoy = decoy_view(number)
            self._render(decoy, certificate_answer(decoy, DECOY_KEYSET), variant)
            return Entry(self._not_found_of(variant), number=number, expires=now + self.negative_ttl)
        answer = certificate_answer(view, self.keysets.keyset)
        response = self._render(view, answer, variant)
        return Entry(
            response,
            number=number,
            expires=now + self.ttl,
            holder_name=view.holder_name,
            on_hit=self.metrics.verdict(answer),
        )

    def _render(self, view: CertificateView, answer: Answer, variant: str) -> RawResponse:
        if variant == "json":
            response = json_response(_encode(result_of(answer)))
        elif variant == "item":
            response = RawResponse(200, _encode(result_of(answer)), [])
        else:
            lang: Lang = "en" if variant == "en" else "zh"
            toggle = "/?" + _query(view, "zh" if lang == "en" else "en")
            response = html_response(self.pages.answer(answer, lang, via="query", toggle=toggle), self.pages.csp)
        return response

    def match(self, entry: Entry[RawResponse], name: str, not_found: RawResponse) -> RawResponse:
        """The entry's answer when ``name`` names its holder, else ``not_found`` (same work either way)."""
        if entry.holder_name is not None and names_match(name, entry.holder_name):
            if entry.on_hit is not None:
                entry.on_hit()
            return entry.response
        if entry.holder_name is None:
            names_match(name, DECOY_NAME)
        self._not_found()
        return not_found

    def matches(self, entry: Entry[RawResponse], name: str) -> bool:
        """Whether ``name`` names the holder of ``entry`` — with the work of :meth:`match` either way, so a
        wrong name and an unknown number cost the same (``POST /v1/credentials``)."""
        if entry.holder_name is not None and names_match(name, entry.holder_name):
            return True
        if entry.holder_name is None:
            names_match(name, DECOY_NAME)
        self._not_found()
        return False

    def _not_found_of(self, variant: str) -> RawResponse:
        if variant in ("zh", "en"):
            return self.fixed.not_found_page["en" if variant == "en" else "zh"]
        return self.fixed.not_found_item if variant == "item" else self.fixed.not_found_json


def _query(view: CertificateView, lang: Lang) -> str:
    """The query string that shows this verdict in ``lang`` (the holder's name is already on the page)."""
    params = {"number": view.number, "name": view.holder_name}
    if lang == "en":
        params["lang"] = "en"
    return urlencode(params)
