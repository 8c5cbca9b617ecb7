"""Every POST of the console's screens refused by the policy as the API refuses it: 403, the same rule and
the same Chinese / English message, and nothing done (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select, update

from issuer.batches.workflow import State
from issuer.issuing.service import issue_batch
from registry.config import Settings
from registry.db import Database
from registry.models import Batch
from registry.rules.profiles import HUNAN
from tests.factories import SKILL_INSTITUTION, key_store
from tests.factories.world import resident_id
from tests.integration.batches.conftest import auth
from tests.integration.batches.helpers import ADMIN, bilingual, csv_file, good_rows
from tests.integration.console.conftest import Staff
from tests.integration.console.helpers import issued_number, refusal, submitted
from tests.integration.issuing.batches import Row, make_batch

UPLOAD = {"institution": SKILL_INSTITUTION, "kind": "skill_level", "assessed_on": "2025-06-01"}
ROWS = {"rows": "2", "reason": "复核 / checked"}

#: (console path after /console/batches/{id}, form, refused holder, words of the message, API step, API body)
BATCH_POSTS = [
    ("resubmit", None, "city", "重新提交批次：仅限", "resubmit", None),
    ("exclude", ROWS, "city", "剔除批次中的行：仅限", "exclude", {"rows": [2], "reason": "复核 / checked"}),
    ("review", {"decision": "approve"}, "institution", "市州初审：仅限", "review", {"decision": "approve"}),
    ("review", {"decision": "approve"}, "other_city", "只能处理本地区机构", "review", {"decision": "approve"}),
    ("approve", {"decision": "approve"}, "city", "省级复审：仅限", "approve", {"decision": "approve"}),
    ("notice", {}, "city", "启动公示：仅限", "notice", None),
    ("objections", ROWS, "institution", "登记异议：仅限", "objections", {"rows": [2], "reason": "复核 / checked"}),
    ("hold", ROWS, "institution", "暂缓发证：仅限", "hold", {"rows": [2], "reason": "复核 / checked"}),
    ("resolve", {**ROWS, "decision": "release"}, "institution", "处理暂缓的行", "objections/resolve",
     {"rows": [2], "reason": "复核 / checked", "decision": "release"}),
    ("issue", {}, "province_reviewer", "发证：仅限", "issue", None),
]  # fmt: skip


@pytest.mark.parametrize(("step", "form", "holder", "words", "api_step", "api_body"), BATCH_POSTS)
async def test_a_batch_step_refused_by_the_policy_says_what_the_api_says(
    staff: Staff, world: Database, console_settings: Settings, tokens: dict[str, str],
    step: str, form: dict[str, str] | None, holder: str, words: str, api_step: str, api_body: Any,
) -> None:  # fmt: skip
    batch = await submitted(world, console_settings)
    await staff.sign_in(holder)
    if form is None and step == "resubmit":
        files = {"file": ("r.csv", csv_file(good_rows(2)))}
        response = await staff.post(f"/console/batches/{batch}/resubmit", files=files)
    else:
        response = await staff.post(f"/console/batches/{batch}/{step}", form)
    assert response.status_code == 403, response.text[:2000]
    message = refusal(response)
    assert words in message, message
    assert bilingual(message), message

    headers = auth(tokens[holder])
    if api_step == "resubmit":
        files = {"file": ("r.csv", csv_file(good_rows(2)))}
        api = await staff.client.post(f"/v1/batches/{batch}/resubmit", files=files, headers=headers)
    else:
        api = await staff.client.post(f"/v1/batches/{batch}/{api_step}", json=api_body, headers=headers)
    assert (api.status_code, api.json()["error"]) == (403, message)
    async with world.reader() as session:
        assert (await session.get(Batch, batch)).state == State.SUBMITTED  # type: ignore[union-attr]


async def test_an_upload_refused_by_the_policy(staff: Staff, world: Database) -> None:
    await staff.sign_in("city")
    files = {"file": ("r.csv", csv_file(good_rows(2)))}
    response = await staff.post("/console/batches/new", UPLOAD, files=files)
    assert response.status_code == 403
    assert "提交批次：仅限鉴定机构、省鉴定中心管理员（规则1）" in refusal(response)


async def test_the_upload_form_is_refused_to_a_role_that_may_not_upload_before_a_file_is_chosen(staff: Staff) -> None:
    """A city reviewer who typed /console/batches/new was given the form, filled it, chose the file, and only
    then was refused."""
    await staff.sign_in("city")
    form = await staff.client.get("/console/batches/new")
    assert form.status_code == 403
    assert "提交批次：仅限鉴定机构、省鉴定中心管理员（规则1）" in refusal(form)
    assert 'id="upload-form"' not in form.text
    assert '<a href="/console/batches" id="back">' in form.text
    await staff.sign_in("institution")
    assert (await staff.client.get("/console/batches/new")).status_code == 200


async def test_another_institution_s_batch_is_refused_and_nothing_of_it_shown(staff: Staff, batch: int) -> None:
    await staff.sign_in("other_institution")
    page = await staff.client.get(f"/console/batches/{batch}")
    assert page.status_code == 403
    assert refusal(page) == f"批次 {batch} 不存在 / no batch {batch}"
    assert "r.csv" not in page.text
    assert "张三" not in page.text
    assert SKILL_INSTITUTION not in page.text
    excluded = await staff.post(f"/console/batches/{batch}/exclude", ROWS)
    assert excluded.status_code == 403
    await staff.sign_in("institution")  # its own: shown
    assert (await staff.client.get(f"/console/batches/{batch}")).status_code == 200


@pytest.mark.parametrize(("change", "words"), [("revoke", "撤销证书：仅限"), ("reissue", "补发证书：仅限"),
                                               ("replace", "换发证书：仅限")])  # fmt: skip
@pytest.mark.parametrize("confirm", ["", "yes"])
async def test_a_certificate_change_refused_by_the_policy_before_and_at_the_confirmation(
    staff: Staff, world: Database, console_settings: Settings, change: str, words: str, confirm: str
) -> None:
    number = await issued_number(world, Path(console_settings.keys.key_dir), resident_id(7))
    await staff.sign_in("province_reviewer")  # may see it, may not change it
    assert (await staff.client.get(f"/console/certificates/{number}")).status_code == 200
    form = {"reason": "测试 / test", "holder_name": "王晓明", "confirm": confirm}
    response = await staff.post(f"/console/certificates/{number}/{change}", form)
    assert response.status_code == 403
    assert words in refusal(response)
    await staff.sign_in("province_admin")
    page = await staff.client.get(f"/console/certificates/{number}")
    assert '<td id="status">有效' in page.text


async def test_no_one_issues_what_they_submitted_on_the_console_either(staff: Staff, world: Database) -> None:
    batch = await make_batch(world, [Row(name="张三", holder_id=resident_id(11), level=4)])
    async with world.transaction() as session:  # uploaded by the signed-in admin's console account
        await session.execute(
            update(Batch).where(Batch.id == batch).values(submitted_by="console:province_admin:province_admin:430000")
        )
    await staff.sign_in("province_admin")
    refused = await staff.post(f"/console/batches/{batch}/issue", {})
    assert refused.status_code == 403
    assert "职责分离：console:province_admin 已提交批次" in refusal(refused)
    assert "(rule 7)" in refusal(refused)


async def test_an_issue_refused_for_its_rows_lists_every_problem_as_the_api_does(
    staff: Staff, world: Database, console_settings: Settings, tokens: dict[str, str]
) -> None:
    holder = Row(name="李四", holder_id=resident_id(12), level=4)
    batch = await make_batch(world, [Row(name="张三", holder_id=resident_id(13), level=4), holder])
    other = await make_batch(world, [holder])  # the same certificate through another batch meanwhile
    await issue_batch(world, key_store(Path(console_settings.keys.key_dir)), HUNAN, other, caller=ADMIN)
    await staff.sign_in("province_admin")
    refused = await staff.post(f"/console/batches/{batch}/issue", {})
    assert refused.status_code == 422
    api = await staff.client.post(f"/v1/batches/{batch}/issue", headers=auth(tokens["province_admin"]))
    assert (api.status_code, api.json()["error"]) == (422, refusal(refused))
    problems = refused.text.split('id="problems"')[1]
    assert "<td>3</td>" in problems  # row 3, the holder's second certificate
    assert "<td>2</td>" not in problems


async def test_an_upload_with_hidden_rows_is_refused_on_the_console_as_on_the_api(
    staff: Staff, world: Database
) -> None:
    """The console's upload reads the file as the API does: a filtered sheet's hidden rows are named."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["姓名", "身份证号", "职业编码", "等级"])
    for row in good_rows(3):
        sheet.append(row)
    sheet.row_dimensions[3].hidden = True
    out = io.BytesIO()
    book.save(out)
    await staff.sign_in("institution")
    response = await staff.post("/console/batches/new", UPLOAD, files={"file": ("r.xlsx", out.getvalue())})
    assert response.status_code == 422
    assert "第 3 行被隐藏" in refusal(response)
    assert "row 3 is hidden in sheet" in refusal(response)
    async with world.reader() as session:
        assert await session.scalar(select(func.count()).select_from(Batch)) == 0
