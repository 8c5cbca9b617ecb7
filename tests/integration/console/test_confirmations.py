"""What a person at the console is told after a step on a batch, and whether each field can be found by its
label (found walking the demo as each role): a step answered 303 back to the batch's page with nothing said,
so a reviewer who pressed "approve" had to read the state cell to learn whether anything happened; the
resubmit form's file picker had no label at all (a screen reader announced "file, required")."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Any

from registry.db import Database
from tests.integration.batches.helpers import csv_file, good_rows
from tests.integration.console.conftest import Staff
from tests.integration.console.helpers import notice_ends_now
from tests.integration.console.test_screens import UPLOAD

_DONE = re.compile(r'<p class="done" id="done" role="status">(.*?)</p>', re.DOTALL)


def done(page: Any) -> str:
    """The confirmation a page shows after a step (unescaped)."""
    found = _DONE.search(page.text)
    assert found is not None, page.text[:2000]
    return html.unescape(found.group(1)).strip()


async def step(staff: Staff, path: str, form: dict[str, str] | None = None, **kwargs: Any) -> str:
    """A step posted as the signed-in staff member, then the page it leads to: its confirmation."""
    answer = await staff.post(path, form, **kwargs)
    assert answer.status_code == 303, answer.text[:2000]
    return done(await staff.client.get(answer.headers["location"]))


async def test_each_step_on_a_batch_says_on_the_batch_s_page_what_it_did(staff: Staff, world: Database) -> None:
    rows = good_rows(4)
    rows[0][3] = "9"  # row 2: no such level
    await staff.sign_in("institution")
    uploaded = await staff.post("/console/batches/new", UPLOAD, files={"file": ("r.csv", csv_file(rows))})
    batch = f"/console/batches/{int(uploaded.headers['location'].split('/')[3].split('?')[0])}"
    await staff.sign_in("city")
    said = await step(staff, f"{batch}/review", {"decision": "reject", "reason": "等级有误"})
    assert said == "已退回机构：市州初审 / returned to the institution: city review"
    await staff.sign_in("institution")
    said = await step(staff, f"{batch}/resubmit", files={"file": ("r.csv", csv_file(rows))})
    assert said == "已重新提交更正后的文件 / the corrected file was resubmitted"
    said = await step(staff, f"{batch}/exclude", {"rows": "2", "reason": "未参加考核"})
    assert said == "已剔除行 2 / row 2 excluded"
    await staff.sign_in("city")
    said = await step(staff, f"{batch}/review", {"decision": "approve"})
    assert said == "市州初审通过 / city review passed"
    await staff.sign_in("province_reviewer")
    assert await step(staff, f"{batch}/approve", {"decision": "approve"}) == "省级复审通过 / province review passed"
    await staff.sign_in("institution")
    assert await step(staff, f"{batch}/notice", {}) == "已启动公示 / the notice started"
    await staff.sign_in("city")
    said = await step(staff, f"{batch}/objections", {"rows": "3", "reason": "举报"})
    assert said == "已登记异议，行 3 暂缓发证 / objection recorded: row 3 held"
    await staff.sign_in("province_reviewer")
    said = await step(staff, f"{batch}/hold", {"rows": "4-5", "reason": "待核实"})
    assert said == "已暂缓发证：行 4-5 / rows 4-5 held"
    said = await step(staff, f"{batch}/resolve", {"rows": "3", "reason": "核实无误", "decision": "release"})
    assert said == "已恢复发证：行 3 / row 3 released to be issued"
    said = await step(staff, f"{batch}/resolve", {"rows": "4", "reason": "核实不符", "decision": "exclude"})
    assert said == "已剔除行 4 / row 4 excluded"
    await notice_ends_now(world, int(batch.rsplit("/", 1)[1]))
    page = await staff.client.get(batch)
    assert 'id="done"' not in page.text  # the batch's page itself, not after a step, says nothing was done


class _Fields(HTMLParser):
    """Each visible form control of a page, and whether a label names it (around it, or ``for`` its id)."""

    def __init__(self) -> None:
        super().__init__()
        self.open_labels = 0
        self.label_for: set[str] = set()
        self.controls: list[tuple[str, str, bool]] = []  # (name, id, inside a label or aria-labelled)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "label":
            self.open_labels += 1
            if a.get("for"):
                self.label_for.add(a["for"] or "")
        elif tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            labelled = self.open_labels > 0 or bool(a.get("aria-label"))
            self.controls.append((a.get("name") or "", a.get("id") or "", labelled))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.open_labels -= 1


def unlabelled(page: Any) -> list[str]:
    fields = _Fields()
    fields.feed(page.text)
    return [name for name, id_, labelled in fields.controls if not labelled and id_ not in fields.label_for]


async def test_every_field_of_the_batch_pages_has_a_label(staff: Staff, world: Database) -> None:
    rows = good_rows(2)
    rows[0][3] = "9"
    await staff.sign_in("institution")
    uploaded = await staff.post("/console/batches/new", UPLOAD, files={"file": ("r.csv", csv_file(rows))})
    batch = uploaded.headers["location"].split("?")[0]
    page = await staff.client.get(batch)
    assert 'id="resubmit-form"' in page.text
    assert 'id="exclude-form"' in page.text
    assert unlabelled(page) == []
    assert unlabelled(await staff.client.get("/console/batches/new")) == []
    assert unlabelled(await staff.client.get("/console/certificates")) == []
    await staff.sign_in("city")
    reviewing = await staff.client.get(batch)
    assert 'id="review-form"' in reviewing.text
    assert unlabelled(reviewing) == []


async def test_the_language_toggle_is_marked_in_the_language_it_is_written_in(staff: Staff) -> None:
    """The toggle says "English" on a Chinese page (and "中文" on an English one): without its own ``lang`` a
    screen reader read the word with the page's voice."""
    await staff.sign_in("institution")
    chinese = (await staff.client.get("/console/batches")).text
    assert '<html lang="zh-CN">' in chinese
    assert re.search(r'<a href="[^"]*" hreflang="en" lang="en">English</a>', chinese)
    english = (await staff.client.get("/console/batches?lang=en")).text
    assert '<html lang="en">' in english
    assert re.search(r'<a href="[^"]*" hreflang="zh-CN" lang="zh-CN">中文</a>', english)


async def test_an_upload_says_it_was_imported_and_shows_the_bad_rows_only_when_there_are_some(
    staff: Staff, world: Database
) -> None:
    """Every upload landed on the row report's "bad" tab: a clean file showed "没有行 / no rows" under it, as if
    nothing had been imported."""
    await staff.sign_in("institution")
    clean = await staff.post("/console/batches/new", UPLOAD, files={"file": ("r.csv", csv_file(good_rows(2)))})
    assert clean.status_code == 303
    assert "status=bad" not in clean.headers["location"]
    page = await staff.client.get(clean.headers["location"])
    said = "文件已导入本批次，见下方行报告 / the file was imported as this batch: see the row report below"
    assert done(page) == said
    assert 'id="row-2"' in page.text
    assert 'id="row-3"' in page.text
    rows = good_rows(2, start=40)
    rows[1][3] = "9"  # row 3: no such level
    flawed = await staff.post("/console/batches/new", UPLOAD, files={"file": ("s.csv", csv_file(rows))})
    assert "status=bad" in flawed.headers["location"]
    page = await staff.client.get(flawed.headers["location"])
    assert done(page).startswith("文件已导入本批次")
    assert 'id="row-3"' in page.text
    assert 'id="row-2"' not in page.text  # the bad rows, to be put right
    batch = flawed.headers["location"].split("?")[0]
    rows[1][3] = "4"
    fixed = await staff.post(f"{batch}/resubmit", files={"file": ("s.csv", csv_file(rows))})
    assert "status=bad" not in fixed.headers["location"]
    assert 'id="row-2"' in (await staff.client.get(fixed.headers["location"])).text
