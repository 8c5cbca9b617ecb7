"""Rendering the public notice pages with Jinja2 (autoescaped; no script, no external asset)."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from issuer.batches.notice import PAGE_SIZE, NoticeBatch, NoticeIndex
from registry.calendar import province_minute


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("issuer", "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cst"] = province_minute
    return env


def _render(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)


def notice_index(index: NoticeIndex, *, province: str, demo: bool = False) -> str:
    return _render("notice_index.html", index=index, province=province, demo=demo)


def notice_page(batch: NoticeBatch, *, province: str, demo: bool = False) -> str:
    return _render("notice_batch.html", batch=batch, province=province, page_size=PAGE_SIZE, demo=demo)


def notice_missing(*, province: str, demo: bool = False) -> str:
    """``demo``: the demo mode is on (rule 8: the notice shortened) and every page says so."""
    return _render("notice_missing.html", province=province, demo=demo)
