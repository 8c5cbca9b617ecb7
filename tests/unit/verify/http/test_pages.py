"""The public pages as rendered: both languages complete, nothing loaded from elsewhere, the style sheet
allowed by its hash, every result renderable."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime

import msgspec
import pytest

from tests.unit.verify.test_answers import VIEW
from verify.answers import NOT_FOUND, Answer, Result, not_genuine, status_answer
from verify.http.pages import Pages
from verify.texts import UI, format_date

PAGES = Pages()


def test_both_languages_have_every_text() -> None:
    assert set(UI["zh"]) == set(UI["en"])


def test_the_policy_allows_exactly_the_inline_style() -> None:
    html = PAGES.form("zh").decode()
    style = re.search(r"<style>(.*?)</style>", html, re.DOTALL)
    assert style
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    assert f"'sha256-{digest}'" in PAGES.csp.decode()
    assert "script" not in html.lower()
    assert not re.search(r'(src|href)="(https?:)?//', html), "nothing from another origin"


@pytest.mark.parametrize(
    "answer",
    [
        status_answer(VIEW),
        status_answer(
            msgspec.structs.replace(
                VIEW,
                status="revoked",
                status_change="revoked",
                status_at=datetime(2026, 5, 1, 16, 30, tzinfo=UTC),
                status_reason="造假",
            )
        ),
        status_answer(
            msgspec.structs.replace(
                VIEW, status="superseded", status_change="reissued", superseded_by="S000043000101263000009"
            )
        ),
        not_genuine("bad_signature"),
        NOT_FOUND,
    ],
    ids=lambda a: a.reason,
)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_answer_renders_in_both_languages(answer: Answer, lang: str) -> None:
    html = PAGES.answer(answer, lang, via="token", toggle="?x").decode()  # type: ignore[arg-type]
    label = answer.label_zh if lang == "zh" else answer.label_en
    assert f"<h1>{label}</h1>" in html
    assert f'data-result="{answer.result.value}"' in html
    if answer.view is not None:
        assert "430102********1234" in html
        assert format_date(VIEW.issued_on, lang) in html  # type: ignore[arg-type]
    else:
        assert "张三" not in html
    if answer.reason == "revoked":
        assert ("2026年5月2日 00:30（北京时间）" if lang == "zh" else "2026-05-02 00:30 (UTC+8)") in html
    if answer.result is Result.SUPERSEDED:
        assert 'href="/c/S000043000101263000009' in html


def test_special_ability_pages_name_a_project_and_no_level() -> None:
    project = msgspec.structs.replace(
        VIEW, kind="special_ability", subject_type="project", subject_name="湘绣制作", level=0
    )
    html = PAGES.answer(status_answer(project), "zh", via="query", toggle="/").decode()
    assert "专项能力项目" in html
    assert "湘绣制作" in html
    assert 'id="level"' not in html


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_demo_mode_is_on_every_page_and_only_then(lang: str) -> None:
    """Rule 8: a notice shortened below the profile's minimum exists only in the demo mode, and the public
    pages say it is on (``make run``)."""
    demo = Pages(demo=True)
    for pages, shown in ((demo, True), (PAGES, False)):
        for html in (
            pages.answer(status_answer(VIEW), lang, via="token", toggle="?x").decode(),  # type: ignore[arg-type]
            pages.form(lang).decode(),  # type: ignore[arg-type]
            pages.problem(lang, "x", toggle="?x").decode(),  # type: ignore[arg-type]
        ):
            assert ('id="demo-banner"' in html) is shown
            assert ("演示模式" in html and "demo mode" in html) is shown
