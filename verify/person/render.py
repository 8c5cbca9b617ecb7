"""Answers of a person look-up, built from certificate views and the name given (no I/O).

Only the certificates whose recorded holder name the given name names (``registry.holders.names_match``)
are shown. When none is, the answer is the one fixed "not found" of its variant, built once
(:class:`PersonAnswers`), so an unknown document, a known one with another name and a person without
certificates get the same bytes; and the same work is done first: a decoy certificate's answer is built
and dropped (:mod:`verify.decoys`), as a found person's is built and sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from registry.holders import names_match
from registry.vocab import KIND_LABELS_EN, KIND_LABELS_ZH, LEVEL_LABELS_EN, LEVEL_LABELS_ZH, CertificateKind
from verify.answers import Answer, certificate_answer
from verify.decoys import DECOY_KEYSET, DECOY_NAME, decoy_view
from verify.http.pages import Pages
from verify.http.responses import RawResponse, encode_json, html_response, json_response
from verify.keysets import KeySetCache
from verify.schemas import PersonCertificate, PersonResult, heading_fields, status_info
from verify.texts import LANGS, Lang, format_date
from verify.views import CertificateView

#: Answer variants: JSON (``POST /v1/verify``), batch items, and the page in each language.
VARIANTS: Final = ("json", "item", "zh", "en")
_encode: Final = encode_json
_NOT_FOUND_TEXT: Final = (
    "未查到：没有与该姓名和证件相符的证书，请核对后重试",
    "Not found: no certificate matches this name and document; check both and try again",
)
_VERDICTS: Final = frozenset({"valid", "revoked", "superseded"})
_FOUND_TEXT: Final = ("查到 {count} 张证书", "{count} certificate(s) found")


def person_certificate(view: CertificateView, answer: Answer) -> PersonCertificate:
    """One listed certificate (its verdict already judged by :func:`verify.answers.certificate_answer`)."""
    result = answer.result.value
    return PersonCertificate(
        result="not_genuine" if result not in _VERDICTS else result,  # type: ignore[arg-type]
        reason=answer.reason,
        verdict_label=f"{answer.label_zh} / {answer.label_en}",
        **heading_fields(view),
        issued_on=view.issued_on,
        institution_code=view.institution_code,
        institution_name=view.institution_name,
        holder_id_masked=view.holder_id_masked,
        status=status_info(view),
        check=f"/c/{view.number}",
    )


class PersonAnswers:
    """Builds the answer of one (person, name, variant) and holds the fixed "not found" answers."""

    def __init__(self, *, pages: Pages, keysets: KeySetCache) -> None:
        self.pages = pages
        self.keysets = keysets
        not_found = PersonResult(
            result="not_found",
            reason="not_found",
            message=f"{_NOT_FOUND_TEXT[0]} / {_NOT_FOUND_TEXT[1]}",
            count=0,
            certificates=[],
        )
        self.not_found_body = _encode(not_found)
        self.not_found: dict[str, RawResponse] = {
            "json": json_response(self.not_found_body),
            "item": RawResponse(200, self.not_found_body, []),
        }
        for lang in LANGS:
            self.not_found[lang] = html_response(self._page(lang, None, []), pages.csp)

    def build(self, views: Sequence[CertificateView], name: str, variant: str) -> tuple[RawResponse, bool]:
        """The answer to ``name`` over the person's ``views`` in ``variant``, and whether anything was found."""
        matching = [view for view in views if names_match(name, view.holder_name)]
        if not views:
            names_match(name, DECOY_NAME)
        if not matching:
            decoy = decoy_view("S000043000101263900000")
            self._render([(decoy, certificate_answer(decoy, DECOY_KEYSET))], name, variant)
            return self.not_found[variant], False
        keyset = self.keysets.keyset
        judged = [(view, certificate_answer(view, keyset)) for view in matching]
        return self._render(judged, matching[0].holder_name, variant), True

    def _render(self, judged: list[tuple[CertificateView, Answer]], name: str, variant: str) -> RawResponse:
        if variant in ("json", "item"):
            result = PersonResult(
                result="found",
                reason="found",
                message=f"{_FOUND_TEXT[0]} / {_FOUND_TEXT[1]}".format(count=len(judged)),
                count=len(judged),
                certificates=[person_certificate(view, answer) for view, answer in judged],
            )
            body = _encode(result)
            return json_response(body) if variant == "json" else RawResponse(200, body, [])
        lang: Lang = "en" if variant == "en" else "zh"
        return html_response(self._page(lang, name, judged), self.pages.csp)

    def _page(self, lang: Lang, name: str | None, judged: list[tuple[CertificateView, Answer]]) -> bytes:
        zh = lang == "zh"
        toggle = "/?mode=person&lang=en" if zh else "/?mode=person"
        rows = [
            {
                "result": answer.result.value,
                "reason": answer.reason,
                "label": answer.label_zh if zh else answer.label_en,
                "number": view.number,
                "kind": (KIND_LABELS_ZH if zh else KIND_LABELS_EN)[CertificateKind(view.kind)],
                "is_project": view.subject_type == "project",
                "subject": view.subject_name,
                "level": (LEVEL_LABELS_ZH if zh else LEVEL_LABELS_EN).get(view.level, "") if view.level else "",
                "institution": view.institution_name,
                "issued_on": format_date(view.issued_on, lang),
                "id_masked": view.holder_id_masked,
            }
            for view, answer in judged
        ]
        summary = (
            (_FOUND_TEXT[0] if zh else _FOUND_TEXT[1]).format(count=len(rows))
            if rows
            else _NOT_FOUND_TEXT[0 if zh else 1]
        )
        return self.pages._render(
            "person.html", lang, toggle, holder=name or "", rows=rows, summary=summary, found=bool(rows)
        )
