"""The public notice page: public, Chinese, masked names only, no script and no external asset."""

from __future__ import annotations

import logging
import re

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import update

from issuer.app import create_app
from issuer.batches import notice, submission, transitions
from registry.config import Settings
from registry.db import Database
from registry.models import Institution
from registry.rules.profiles import get_profile
from registry.vocab import CertificateKind
from tests.factories import SKILL_INSTITUTION
from tests.integration.batches.helpers import ADMIN, ASSESSED, INSTITUTION, Client, csv_file, good_rows, reviewed
from tests.support import make_settings

NAMES = ["张三丰", "李四", "欧阳娜娜", "买买提·艾力"]


async def _batch(database: Database, settings: Settings, rows: list[list[str]]) -> int:
    upload = submission.Upload(
        data=csv_file(rows), file_name="r.csv", institution=SKILL_INSTITUTION, kind=CertificateKind.SKILL_LEVEL,
        assessed_on=ASSESSED,
    )  # fmt: skip
    return (
        await submission.submit_batch(
            database, settings, INSTITUTION, upload, profile=get_profile(settings.issuing.profile)
        )
    ).batch_id


async def _under_notice(database: Database, settings: Settings, rows: list[list[str]]) -> int:
    batch = await _batch(database, settings, rows)
    await reviewed(database, settings, batch, notice=True)
    return batch


def _rows(start: int = 0) -> list[list[str]]:
    rows = good_rows(len(NAMES), start=start)
    for row, name in zip(rows, NAMES, strict=True):
        row[0] = name
    return rows


async def test_the_notice_lists_masked_names_and_nothing_identifying(
    client: Client, world: Database, settings: Settings
) -> None:
    rows = _rows()
    await _under_notice(world, settings, rows)
    hidden = good_rows(1, start=40)
    hidden[0][0] = "未公示"
    await _batch(world, settings, hidden)  # submitted only: not on the notice
    async with world.transaction() as session:  # a name that must be escaped, not interpreted
        await session.execute(
            update(Institution).where(Institution.code == SKILL_INSTITUTION).values(name="评价<script>x()</script>中心")
        )
    page = await client.get("/notice")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<html lang="zh-CN">' in html
    assert 'name="viewport"' in html
    for masked in ("张*丰", "李*", "欧**娜", "买****力"):
        assert f"<td>{masked}</td>" in html
    assert "电工" in html
    assert "四级/中级工" in html
    assert "6-31-01-03" in html
    assert "评价&lt;script&gt;x()&lt;/script&gt;中心" in html
    assert "<script" not in html  # no script at all, escaped or ours
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # no external asset or link
    assert "未*示" not in html
    answer = await client.get("/v1/notice")
    assert answer.status_code == 200
    assert (answer.json()["total"], answer.json()["pages"]) == (1, 1)
    [batch] = answer.json()["batches"]
    assert [r["name"] for r in batch["rows"]] == ["张*丰", "李*", "欧**娜", "买****力"]
    assert batch["people"] == 4
    assert batch["ended"] is False
    everything = html + answer.text
    for name, id_number, *_ in rows + hidden:
        assert name not in everything
        assert id_number not in everything
        assert id_number[6:14] not in everything  # not the birth date
    assert not re.search(r"\d{6}\*{8}", everything)  # not even the masked ID: the notice does not need it


async def test_a_long_notice_is_paged_and_shows_held_but_not_excluded_rows(
    client: Client, world: Database, settings: Settings
) -> None:
    rows = good_rows(130)
    for number, row in enumerate(rows):
        row[0] = f"张{chr(0x4E00 + number)}丰"
    batch = await _under_notice(world, settings, rows)
    await transitions.record_objection(world, ADMIN, batch, [2], "异议")
    await transitions.resolve_objection(world, ADMIN, batch, rows=[2], decision="exclude", reason="查实")
    await transitions.record_objection(world, ADMIN, batch, [3], "异议")  # held: still on the notice
    index = await client.get("/notice")
    assert "查看全部 129 人" in index.text
    assert index.text.count("<tr><td>") == 20  # a preview on the index
    second = await client.get(f"/notice/{batch}?page=2")
    assert second.status_code == 200
    assert "第 2 / 2 页" in second.text
    assert second.text.count("<tr><td>") == 29
    assert "<td>101</td>" in second.text
    first = await client.get(f"/v1/notice/{batch}")
    assert first.json()["rows"][0]["name"] == "张*丰"
    assert (first.json()["people"], first.json()["pages"]) == (129, 2)


async def test_no_notice_and_a_batch_not_under_notice(client: Client, world: Database, settings: Settings) -> None:
    empty = await client.get("/notice")
    assert "目前没有正在公示的评价结果" in empty.text
    head = await client.head("/notice")  # link checkers and monitors ask with HEAD (it was 405)
    assert (head.status_code, head.content, head.headers["content-type"]) == (200, b"", empty.headers["content-type"])
    batch = await _batch(world, settings, good_rows(1))
    page = await client.get(f"/notice/{batch}")
    assert page.status_code == 404
    assert (await client.head(f"/notice/{batch}")).status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert (await client.get(f"/v1/notice/{batch}")).status_code == 404


async def test_the_index_pages_through_many_batches(
    client: Client, world: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notice, "BATCHES_PER_PAGE", 1)  # two batches, two pages
    older = await _under_notice(world, settings, good_rows(1))
    newer = await _under_notice(world, settings, good_rows(1, start=1))
    first, second = await client.get("/notice"), await client.get("/notice?page=2")
    assert f'id="batch-{newer}"' in first.text
    assert f'id="batch-{older}"' not in first.text
    assert '<a href="/notice?page=2">下一页</a>' in first.text
    assert f'id="batch-{older}"' in second.text
    assert (await client.get("/v1/notice?page=2")).json()["batches"][0]["id"] == older


async def test_the_notice_pages_and_the_log_say_when_the_demo_mode_is_on(
    db_url: str, world: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """Rule 8: only the demo mode (``make run``) may shorten the notice, and it never does so silently."""
    for demo in (True, False):
        caplog.clear()
        settings = make_settings(database_url=db_url, demo_mode=demo, notice_days=0 if demo else None)
        with caplog.at_level(logging.WARNING, logger="certreg.app"):
            app = create_app(settings)
        assert ("演示模式 / demo mode" in caplog.text) is demo
        if demo:  # the days it now has, not "now the profile's days"
            assert "公示期 0 天（规则8要求 7 天）/ the public notice lasts 0 days (rule 8 asks 7)" in caplog.text
        async with AsyncTestClient(app) as client:
            for path in ("/notice", "/notice/999"):
                html = (await client.get(path)).text
                assert ('id="demo-banner"' in html) is demo, path
                # the banner's English half says so, for a screen reader reading the Chinese page
                assert ('<span lang="en">demo mode: the public notice is shortened' in html) is demo, path
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="certreg.app"):
        create_app(make_settings(database_url=db_url, demo_mode=True))  # `make run`: the app keeps the rule's days
    assert "new batches are noticed for 7" in caplog.text
    assert "the public notice lasts 7 days (rule 8 asks 7)" not in caplog.text


async def test_every_public_get_of_the_issuer_answers_head_like_get_without_a_body(
    client: Client, world: Database, settings: Settings
) -> None:
    """docs/verify.md: every ``GET`` route also answers ``HEAD``. The notice pages did, but their JSON twins and
    the upload template (public too, no token) answered 405 "Method Not Allowed" to a link checker's ``HEAD``."""
    batch = await _under_notice(world, settings, _rows())
    for path in ("/notice", f"/notice/{batch}", "/v1/notice", f"/v1/notice/{batch}", "/v1/batches/template.xlsx"):
        got = await client.get(path)
        head = await client.head(path)
        assert got.status_code == 200, (path, got.text)
        assert head.status_code == 200, (path, head.text)
        assert head.content == b"", path
        assert head.headers["content-length"], path
        if "xlsx" not in path:  # the workbook is made anew per request (its timestamps): its length may move
            assert head.headers["content-length"] == got.headers["content-length"], path
        for name in ("content-type", "cache-control", "content-disposition"):
            assert head.headers.get(name) == got.headers.get(name), (path, name)


async def test_the_notice_json_is_cached_as_the_notice_pages_are(
    client: Client, world: Database, settings: Settings
) -> None:
    """The notice pages were short-lived in caches, their JSON twins sent no ``Cache-Control`` at all: one
    notice, one caching policy, on ``GET`` and ``HEAD`` alike."""
    batch = await _under_notice(world, settings, _rows())
    for path in ("/notice", f"/notice/{batch}", "/v1/notice", f"/v1/notice/{batch}"):
        for method in ("GET", "HEAD"):
            answer = await client.request(method, path)
            assert (answer.status_code, answer.headers.get("cache-control")) == (200, "public, max-age=60"), (
                method,
                path,
            )
