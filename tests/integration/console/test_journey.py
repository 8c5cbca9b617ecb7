"""A batch's whole way through the console, in process (the browser test walks the same way in Chromium):
bad rows reported, a corrected file, two reviews, the notice with an objection resolved, issue with its
progress page, a revocation confirmed, the public page saying so."""

from __future__ import annotations

import asyncio
import html
import re

from registry.db import Database
from tests.factories import SKILL_INSTITUTION
from tests.integration.batches.helpers import csv_file, good_rows
from tests.integration.console.conftest import Staff
from tests.integration.console.helpers import notice_ends_now, refusal

UPLOAD = {"institution": SKILL_INSTITUTION, "kind": "skill_level", "assessed_on": "2025-06-01"}


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


async def test_a_batch_from_upload_to_a_revoked_certificate(staff: Staff, world: Database) -> None:
    rows = good_rows(3)
    rows[1][1] = "430102199001011230"  # a check digit that does not fit
    await staff.sign_in("institution")
    uploaded = await staff.post("/console/batches/new", UPLOAD, files={"file": ("r.csv", csv_file(rows))})
    assert uploaded.status_code == 303, uploaded.text[-3000:]
    report = await staff.client.get(uploaded.headers["location"])
    batch = int(re.search(r"/console/batches/(\d+)", uploaded.headers["location"]).group(1))  # type: ignore[union-attr]
    shown = text_of(report.text)
    assert "身份证号" in shown  # the column
    assert "校验" in shown, shown  # the zh message of the check digit

    fixed = await staff.post(f"/console/batches/{batch}/resubmit", files={"file": ("r.csv", csv_file(good_rows(3)))})
    assert fixed.status_code == 303
    page = text_of((await staff.client.get(f"/console/batches/{batch}")).text)
    assert "错误 0" in page

    await staff.sign_in("city")
    queue = await staff.client.get("/console/queue/city")
    assert f"/console/batches/{batch}" in queue.text
    assert (await staff.post(f"/console/batches/{batch}/review", {"decision": "approve"})).status_code == 303
    await staff.sign_in("province_reviewer")
    assert f"/console/batches/{batch}" in (await staff.client.get("/console/queue/province")).text
    assert (await staff.post(f"/console/batches/{batch}/approve", {"decision": "approve"})).status_code == 303
    await staff.sign_in("institution")
    assert (await staff.post(f"/console/batches/{batch}/notice", {})).status_code == 303
    page = (await staff.client.get(f"/console/batches/{batch}")).text
    assert re.search(r'id="notice-ends">\d{4}-\d\d-\d\d', page), page

    await staff.sign_in("city")
    objection = {"rows": "3", "reason": "举报：未参加考核 / reported absent"}
    assert (await staff.post(f"/console/batches/{batch}/objections", objection)).status_code == 303
    resolved = {"rows": "3", "reason": "经核实参加了考核 / checked: present", "decision": "release"}
    assert (await staff.post(f"/console/batches/{batch}/resolve", resolved)).status_code == 303

    await staff.sign_in("province_admin")
    early = await staff.post(f"/console/batches/{batch}/issue", {})
    assert early.status_code == 409
    assert "rule 8" in refusal(early)
    await notice_ends_now(world, batch)
    issued = await staff.post(f"/console/batches/{batch}/issue", {})
    assert issued.status_code == 303
    progress = await staff.client.get(issued.headers["location"])
    for _ in range(100):  # what the page's refresh does in a browser
        if "Refresh" not in progress.headers:
            break
        assert 'id="progress"' in progress.text
        await asyncio.sleep(0.1)
        progress = await staff.client.get(issued.headers["location"])
    assert 'id="issued"' in progress.text
    page = (await staff.client.get(f"/console/batches/{batch}")).text
    number = re.search(r'<a href="/console/certificates/([^"]+)">', page).group(1)  # type: ignore[union-attr]

    asked = await staff.post(f"/console/certificates/{number}/revoke", {"reason": "证书信息有误 / wrong record"})
    assert asked.status_code == 200
    assert 'id="confirm"' in asked.text
    assert '<td id="status">有效' in (await staff.client.get(f"/console/certificates/{number}")).text
    done = await staff.post(
        f"/console/certificates/{number}/revoke", {"reason": "证书信息有误 / wrong record", "confirm": "yes"}
    )
    assert done.status_code == 303
    assert '<td id="status">已撤销' in (await staff.client.get(done.headers["location"])).text
    twice = await staff.post(
        f"/console/certificates/{number}/revoke", {"reason": "证书信息有误 / wrong record", "confirm": "yes"}
    )
    assert twice.status_code == 409
    assert "不能再变更" in refusal(twice)

    history = (await staff.client.get(f"/console/batches/{batch}")).text
    for actor in (
        "console:institution:institution:",
        "console:city:city_reviewer:430100",
        "console:province_reviewer:province_reviewer:430000",
        "console:province_admin:province_admin:",
    ):
        assert actor in history  # each step's actor is the signed-in account
