"""Rendering the public pages (Jinja2, autoescaped) to ready-to-send bytes.

Pages are mobile-first, in large type, with one inline style sheet allowed by its hash in the
Content-Security-Policy: no external font, script or style, and nothing needs JavaScript. Chinese is the
default; every page links to its other language (``?lang=en``). Rendering happens only when a cache is
filled; a hit sends the bytes made here.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from dataclasses import dataclass
from importlib.resources import files
from typing import Any, Final
from urllib.parse import quote, urlencode

import jinja2
from markupsafe import Markup

from registry.calendar import province_day
from registry.log.service import InclusionView
from registry.vocab import KIND_LABELS_EN, KIND_LABELS_ZH, LEVEL_LABELS_EN, LEVEL_LABELS_ZH, CertificateKind
from verify.answers import Answer, Result
from verify.person.texts import PERSON_UI
from verify.schemas import proof_path
from verify.texts import UI, Lang, format_date, format_moment
from verify.views import CertificateView

_TEMPLATES: Final = files("verify.http") / "templates"
_ZH_DATA: Final = Markup(' lang="zh-CN"')


@functools.cache
def _environment() -> jinja2.Environment:
    """The templates, compiled once per process and shared by every :class:`Pages` (each runtime of a test
    run made its own, and compiling them was a third of an app's start-up)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@dataclass(frozen=True, slots=True)
class Filled:
    """What the query form shows: the number (and the name typed) filled in, and a message, which stands next
    to ``error_field`` (``number`` or ``name``) and is that field's description; ``short`` for ``/c/``."""

    number: str = ""
    name: str = ""
    message: str | None = None
    short: bool = False
    error_field: str | None = None


class Pages:
    """The templates, the style sheet and the policy that allows exactly that style sheet."""

    def __init__(
        self, *, authority: dict[Lang, str] | None = None, demo: bool = False, person_offered: bool = True
    ) -> None:
        #: Who answers, named in every page's header (e.g. 湖南省职业技能鉴定中心), per language.
        self.authority: dict[Lang, str] = authority or {"zh": "职业技能鉴定中心", "en": "Skill Assessment Centre"}
        #: The demo mode (``CERTREG_DEMO_MODE``): every page carries a banner saying so.
        self.demo = demo
        #: Whether this deployment offers the person look-up (:func:`verify.person.wiring.person_offered`):
        #: without it no page shows its tab or a link to it, a search that could only fail.
        self.person_offered = person_offered
        self.env = _environment()
        css = (_TEMPLATES / "style.css").read_text("utf-8").strip()
        self.css = Markup(css)  # noqa: S704 - our own file, inlined verbatim so its hash matches the policy
        digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
        self.csp = (
            f"default-src 'none'; style-src 'sha256-{digest}'; img-src 'self'; form-action 'self'; "
            "base-uri 'none'; frame-ancestors 'none'"
        ).encode()

    def _render(self, template: str, lang: Lang, toggle: str, **context: Any) -> bytes:
        lang_query = "?lang=en" if lang == "en" else ""
        return (
            self.env.get_template(template)
            .render(
                lang=lang,
                t=UI[lang],
                css=self.css,
                toggle=toggle,
                lang_query=lang_query,
                authority=self.authority,
                demo=self.demo,
                p=PERSON_UI[lang],
                person_offered=self.person_offered,
                # The registry's names (holder, occupation, institution, centre) are Chinese in either language:
                # on an English page they say so, for a screen reader's voice.
                zh_data=_ZH_DATA if lang == "en" else "",
                **context,
            )
            .encode()
        )

    def answer(self, answer: Answer, lang: Lang, *, via: str, toggle: str) -> bytes:
        """The verdict page of ``answer``; ``via`` is ``token`` (QR) or ``query`` (number + name)."""
        label, text = (answer.label_zh, answer.text_zh) if lang == "zh" else (answer.label_en, answer.text_en)
        text = text[:1].upper() + text[1:]
        view = answer.view
        return self._render(
            "answer.html",
            lang,
            toggle,
            result=answer.result.value,
            reason=answer.reason,
            label=label,
            text=text,
            via=via,
            cert=_certificate(view, lang) if view else None,
            change=_change(view, lang) if view and answer.result is not Result.VALID else None,
            reprint=_reprint(view, lang) if view and view.reprinted_at and answer.result is Result.VALID else None,
        )

    def form(self, lang: Lang, filled: Filled | None = None) -> bytes:
        """The query form, empty or as ``filled`` says."""
        filled = filled or Filled()
        number, name = filled.number, filled.name
        to_en = lang == "zh"
        if filled.short and number:
            toggle = f"/c/{quote(number, safe='')}" + ("?lang=en" if to_en else "")
        else:  # the name was in the address asked for already: the other language keeps the whole query
            params = ({"number": number} if number else {}) | ({"name": name} if name else {})
            params |= {"lang": "en"} if to_en else {}
            toggle = "/?" + urlencode(params) if params else "/"
        return self._render(
            "form.html",
            lang,
            toggle,
            number=number,
            name=name,
            message=filled.message,
            short=filled.short,
            error_field=filled.error_field,
        )

    def proof(self, proof: InclusionView, checkpoint: str, lang: Lang, *, toggle: str) -> bytes:
        """The readable inclusion proof of a log entry: what it means in plain words, then the hashes."""
        t = UI[lang]
        return self._render(
            "proof.html",
            lang,
            toggle,
            what=t["proof_what"].format(index=proof.index, size=proof.tree_size),
            how=t["proof_how"].format(count=len(proof.proof)),
            leaf=proof.leaf_hash.hex(),
            root=proof.root_hash.hex(),
            path=[h.hex() for h in proof.proof],
            checkpoint=checkpoint,
            json=proof_path(proof.index, proof.tree_size),
        )

    def problem(self, lang: Lang, message: str, *, toggle: str) -> bytes:
        """A page that only says what went wrong (rate limit, service unavailable, unknown page)."""
        return self._render("problem.html", lang, toggle, message=message)


def _certificate(view: CertificateView, lang: Lang) -> dict[str, Any]:
    kind = CertificateKind(view.kind)
    zh = lang == "zh"
    return {
        "holder": view.holder_name,
        "id_masked": view.holder_id_masked,
        "number": view.number,
        "kind": KIND_LABELS_ZH[kind] if zh else KIND_LABELS_EN[kind],
        "is_project": view.subject_type == "project",
        "subject": view.subject_name,
        "level": (LEVEL_LABELS_ZH if zh else LEVEL_LABELS_EN).get(view.level, "") if view.level else "",
        "institution": view.institution_name,
        "authority": view.authority_name,
        "issued_on": format_date(view.issued_on, lang),
        "origin": UI[lang]["origin_imported"].format(source=view.imported_from) if view.imported_from else "",
        "proof": proof_page_path(view.log_index, view.log.tree_size if view.log else None, lang),
        "log_text": UI[lang]["log_link"].format(index=view.log_index),
        "log_state": (UI[lang]["log_covered"].format(size=view.log.tree_size) if view.log else UI[lang]["log_pending"]),
    }


def _change(view: CertificateView, lang: Lang) -> dict[str, Any]:
    return {
        "at": format_moment(view.status_at, lang) if view.status_at else "",
        "day": format_date(province_day(view.status_at), lang) if view.status_at else "",
        "reason": view.status_reason,
        "successor": view.superseded_by or "",
    }


def _reprint(view: CertificateView, lang: Lang) -> dict[str, Any]:
    """A valid certificate printed again under its number (补发, rule 9): its QR code is the lost print's too."""
    # The English note quotes the Chinese words printed on the certificate: marked as Chinese for a screen reader.
    word = Markup('<span lang="zh-CN">{}</span>') if lang == "en" else Markup("{}")
    note = Markup.escape(UI[lang]["reprint_note"]).format(reissued=word.format("补发"), remarks=word.format("备注"))
    return {
        "at": format_moment(view.reprinted_at, lang) if view.reprinted_at else "",
        "serial": view.given_print_serial,
        "note": note,
    }


def proof_page_path(log_index: int, size: int | None, lang: Lang) -> str:
    """The readable page of a certificate's inclusion proof (its JSON twin: :func:`verify.schemas.proof_path`)."""
    query = ({"size": str(size)} if size is not None else {}) | ({"lang": "en"} if lang == "en" else {})
    return f"/log/{log_index}" + ("?" + urlencode(query) if query else "")
