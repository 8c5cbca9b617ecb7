"""What the screens show besides the batch's way: the search's reach, the trust page, the English toggle,
uploads past the limit, forms without their CSRF token, a progress page served by another worker."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import msgspec
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from issuer.app import create_app
from issuer.checkpoints import publish_checkpoint
from issuer.cli.audit import default_state_path
from issuer.console.screens import issuing
from registry.audit.state import AuditState
from registry.config import Settings
from registry.db import Database
from registry.log.monitor import SeenCheckpoint
from registry.models import Batch, Event
from tests.factories import EMBROIDERY, SITE, SKILL_INSTITUTION, key_store
from tests.factories.world import resident_id
from tests.integration.batches.helpers import csv_file, good_rows
from tests.integration.console.conftest import Staff
from tests.integration.console.helpers import issued_batch, issued_number, issued_special_number, refusal, submitted
from tests.integration.issuing.batches import Row, workflow_batch
from tests.support_console import sign_in

UPLOAD = {"institution": SKILL_INSTITUTION, "kind": "skill_level", "assessed_on": "2025-06-01"}


async def test_a_search_by_name_and_id_lists_only_what_the_caller_may_see(
    staff: Staff, world: Database, console_settings: Settings
) -> None:
    number = await issued_number(world, Path(console_settings.keys.key_dir), resident_id(21))
    search = {"name": "王小明", "id_number": resident_id(21)}
    await staff.sign_in("city")
    found = await staff.post("/console/certificates/search", search)
    assert found.status_code == 200
    assert number in found.text
    assert resident_id(21) not in found.text  # the masked form only
    assert re.search(r"430102\*{8}\d{3}[\dX]", found.text)
    await staff.sign_in("other_city")  # another prefecture: told nothing
    assert number not in (await staff.post("/console/certificates/search", search)).text
    await staff.sign_in("other_institution")
    none = await staff.post("/console/certificates/search", search)
    assert number not in none.text
    assert 'id="none-found"' in none.text
    malformed = await staff.post("/console/certificates/search", {"name": "王小明", "id_number": "123"})
    assert malformed.status_code == 400
    assert " / " in refusal(malformed)
    missing = await staff.client.get("/console/certificates?number=NOT-A-NUMBER")
    assert missing.status_code == 400


async def test_the_trust_page_and_the_english_toggle(staff: Staff, world: Database, console_settings: Settings) -> None:
    await issued_number(world, Path(console_settings.keys.key_dir), resident_id(22))
    await staff.sign_in("province_reviewer")  # a sign-in is a leaf of the log too: sign in, then sign the head
    stored = await publish_checkpoint(world, key_store(Path(console_settings.keys.key_dir)), console_settings)
    trust = await staff.client.get("/console/trust")
    assert trust.status_code == 200
    assert 'id="checkpoint-note"' in trust.text
    assert stored.root_hash.hex() in trust.text
    assert "尚无审计记录" in trust.text  # no certreg audit has run against this registry
    seen = SeenCheckpoint(size=stored.size, root_hash=stored.root_hash, note=stored.note, seen_at=datetime.now(UTC))
    state = AuditState(origin=console_settings.transparency.log_origin, checkpoints=[seen])
    default_state_path(console_settings).write_bytes(msgspec.json.encode(state))  # as certreg audit leaves it
    audited = (await staff.client.get("/console/trust")).text
    assert "最新检查点已经审计确认" in audited
    english = await staff.client.get("/console/batches?lang=en")
    assert "<h1>Batches</h1>" in english.text
    assert "<h1>Batches</h1>" in (await staff.client.get("/console/batches")).text  # kept in the cookie


async def test_an_upload_past_the_limit_and_a_form_without_its_token(
    console_settings: Settings, world: Database, staff: Staff
) -> None:
    small = console_settings.replaced(max_upload_bytes=1000)
    async with AsyncTestClient(create_app(small)) as client:
        await sign_in(client, "institution")
        staff.client = client
        big = csv_file(good_rows(40))
        assert len(big) > 1000
        refused = await staff.post("/console/batches/new", UPLOAD, files={"file": ("r.csv", big)})
        assert refused.status_code == 413
        assert "1000 bytes" in refusal(refused)
        batch = await submitted(world, console_settings)
        forged = await client.post(f"/console/batches/{batch}/exclude", data={"rows": "2", "reason": "x"})
        assert forged.status_code == 403
        assert "CSRF" in forged.text


async def test_a_progress_page_without_the_run_reads_the_batch_s_state(
    staff: Staff, world: Database, batch: int
) -> None:
    issuing._RUNS.pop(batch, None)  # as on a worker that did not start the run
    await staff.sign_in("province_admin")
    page = await staff.client.get(f"/console/batches/{batch}/issuing")
    assert page.status_code == 200
    assert "refresh" not in page.headers  # a submitted batch cannot be issuing anywhere
    assert 'id="not-issuing"' in page.text
    async with world.transaction() as session:
        ended = datetime.now(UTC)
        await session.execute(update(Batch).where(Batch.id == batch).values(state="under_notice", notice_ends_at=ended))
    page = await staff.client.get(f"/console/batches/{batch}/issuing")
    assert page.headers["refresh"] == "1"  # its notice is over: another worker may be issuing it, keep looking
    assert 'id="progress"' in page.text


async def test_return_with_a_reason_exclude_rows_and_hold_rows(staff: Staff, world: Database) -> None:
    rows = good_rows(3)
    rows[0][3] = "9"  # row 2: no such level
    await staff.sign_in("institution")
    uploaded = await staff.post("/console/batches/new", UPLOAD, files={"file": ("r.csv", csv_file(rows))})
    batch = int(uploaded.headers["location"].split("/")[3].split("?")[0])
    await staff.sign_in("city")
    unexplained = await staff.post(f"/console/batches/{batch}/review", {"decision": "reject"})
    assert (unexplained.status_code, refusal(unexplained)) == (400, "必须填写原因 / a reason is required")
    returned = await staff.post(f"/console/batches/{batch}/review", {"decision": "reject", "reason": "等级有误"})
    assert returned.status_code == 303
    page = (await staff.client.get(f"/console/batches/{batch}")).text
    assert '<td id="state">已退回</td>' in page
    assert "等级有误" in page

    await staff.sign_in("institution")
    assert (
        await staff.post(f"/console/batches/{batch}/resubmit", files={"file": ("r.csv", csv_file(rows))})
    ).status_code == 303
    assert (
        await staff.post(f"/console/batches/{batch}/exclude", {"rows": "2", "reason": "未参加考核"})
    ).status_code == 303
    page = (await staff.client.get(f"/console/batches/{batch}")).text
    assert "错误 0 · 剔除 1" in page
    await staff.sign_in("city")
    assert (await staff.post(f"/console/batches/{batch}/review", {"decision": "approve"})).status_code == 303
    await staff.sign_in("province_reviewer")
    assert (await staff.post(f"/console/batches/{batch}/approve", {"decision": "approve"})).status_code == 303
    await staff.sign_in("institution")
    assert (await staff.post(f"/console/batches/{batch}/notice", {"days": "9"})).status_code == 303
    await staff.sign_in("province_reviewer")
    held = await staff.post(f"/console/batches/{batch}/hold", {"rows": "3", "reason": "待核实"})
    assert held.status_code == 303
    outside = await staff.post(f"/console/batches/{batch}/hold", {"rows": "99", "reason": "待核实"})
    assert outside.status_code == 422
    assert "99" in refusal(outside)
    resolved = {"rows": "3", "reason": "核实不符", "decision": "exclude"}
    assert (await staff.post(f"/console/batches/{batch}/resolve", resolved)).status_code == 303
    page = (await staff.client.get(f"/console/batches/{batch}")).text
    assert "剔除 2 · 暂缓 0" in page
    assert "batch.rows_held" in page


async def test_a_certificate_s_qr_code(staff: Staff, world: Database, console_settings: Settings) -> None:
    number = await issued_number(world, Path(console_settings.keys.key_dir), resident_id(23))
    await staff.sign_in("institution")
    page = await staff.client.get(f"/console/certificates/{number}")
    assert f'src="/console/certificates/{number}/qr.svg"' in page.text
    svg = await staff.client.get(f"/console/certificates/{number}/qr.svg")
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in svg.content
    assert f"<title>{number}</title>".encode() in svg.content
    await staff.sign_in("other_institution")
    assert (await staff.client.get(f"/console/certificates/{number}/qr.svg")).status_code == 403


_REASON_INPUT = re.compile(r'<input name="reason"[^>]*>')


async def test_every_reason_field_takes_what_the_services_take(
    staff: Staff, world: Database, console_settings: Settings
) -> None:
    """One limit for a reason (500 characters): the batch steps' fields took 1,000, which a certificate's
    change then refused; the field's maxlength and the refusal name the same number."""
    submitted_batch = await workflow_batch(world, [Row(name="王小明", holder_id=resident_id(28))], state="submitted")
    ready = await workflow_batch(world, [Row(name="王小明", holder_id=resident_id(26))])
    number = await issued_number(world, Path(console_settings.keys.key_dir), resident_id(27))
    fields: list[str] = []
    for holder, page in (
        ("city", f"/console/batches/{submitted_batch}"),  # review
        ("province_admin", f"/console/batches/{ready}"),  # objection, hold, issue
        ("province_admin", f"/console/certificates/{number}"),  # revoke, reissue, replace
    ):
        await staff.sign_in(holder)
        fields += _REASON_INPUT.findall((await staff.client.get(page)).text)
    assert len(fields) == 7, fields
    assert {re.search(r'maxlength="(\d+)"', field).group(1) for field in fields} == {"500"}  # type: ignore[union-attr]
    await staff.sign_in("city")
    long = await staff.post(f"/console/batches/{submitted_batch}/review", {"decision": "reject", "reason": "长" * 501})
    assert (long.status_code, refusal(long)) == (
        400,
        "原因不能超过500字 / the reason is longer than 500 characters",
    )


CHANGE_FORMS = ('id="revoke-form"', 'id="reissue-form"', 'id="replace-form"')


async def test_a_certificate_page_offers_only_the_changes_the_caller_may_make(
    staff: Staff, world: Database, console_settings: Settings
) -> None:
    """A city centre changes special-ability certificates of its region only (rule 6, 9): on a skill-level
    certificate it was shown revoke, reissue and replace forms that the server then refused."""
    keys = Path(console_settings.keys.key_dir)
    skill = await issued_number(world, keys, resident_id(24))
    special = await issued_special_number(world, keys, resident_id(25))
    seen: dict[tuple[str, str], bool] = {}
    for holder, kind, number in (
        ("institution", "skill", skill),  # its own certificate: it sees it, changes none (rule 9)
        ("city", "skill", skill),
        ("city", "special", special),
        ("province_admin", "skill", skill),
        ("province_admin", "special", special),
    ):
        await staff.sign_in(holder)
        page = await staff.client.get(f"/console/certificates/{number}")
        assert page.status_code == 200, page.text
        offered = [form in page.text for form in CHANGE_FORMS]
        assert len(set(offered)) == 1, offered  # all three changes or none
        seen[(holder, kind)] = offered[0]
        if offered[0]:
            assert ('name="level"' in page.text) is (kind == "skill")  # a special ability has no level
    assert seen == {
        ("institution", "skill"): False,
        ("city", "skill"): False,
        ("city", "special"): True,
        ("province_admin", "skill"): True,
        ("province_admin", "special"): True,
    }


async def test_a_batch_page_offers_issuing_only_to_whom_the_policy_allows_it_on_that_batch(
    staff: Staff, world: Database
) -> None:
    """A city centre issues special-ability batches only (rule 6): a skill-level batch ready to issue showed it
    the issue form, which the server then refused."""
    skill = await workflow_batch(world, [Row(name="王小明")])
    special = await workflow_batch(world, [Row(name="王小明", subject=EMBROIDERY, level=0)], institution=SITE,
                                   kind="special_ability")  # fmt: skip
    seen = {}
    for holder, kind, batch in (
        ("city", "skill", skill), ("city", "special", special), ("province_admin", "skill", skill),
    ):  # fmt: skip
        await staff.sign_in(holder)
        page = await staff.client.get(f"/console/batches/{batch}")
        assert page.status_code == 200, page.text
        seen[(holder, kind)] = 'id="issue-form"' in page.text
    assert seen == {("city", "skill"): False, ("city", "special"): True, ("province_admin", "skill"): True}


async def test_downloads_come_from_the_api_s_files_under_its_policy(
    staff: Staff, world: Database, console_settings: Settings
) -> None:
    batch, numbers = await issued_batch(world, console_settings)
    await staff.sign_in("institution")
    page = (await staff.client.get(f"/console/batches/{batch}")).text
    assert f'href="/console/batches/{batch}/certificates.zip"' in page
    downloads = [
        (f"/console/batches/{batch}/qr.zip", "application/zip"),
        (f"/console/batches/{batch}/certificates.zip", "application/zip"),
        (f"/console/batches/{batch}/certificates.pdf", "application/pdf"),
        (f"/console/certificates/{numbers[0]}/certificate.pdf?variant=print", "application/pdf"),
    ]
    for path, media in downloads:
        got = await staff.client.get(path)
        assert got.status_code == 200, (path, got.text[:500])
        assert got.headers["content-type"].startswith(media)
        assert got.headers["cache-control"] == "no-store"
    history = (await staff.client.get(f"/console/batches/{batch}")).text
    assert "batch.documents" in history  # each download of full document numbers is an event, by its account
    await staff.sign_in("province_reviewer")  # may see certificates, not their documents
    refused = await staff.client.get(f"/console/batches/{batch}/certificates.zip")
    assert refused.status_code == 403
    assert "取得证书文件" in refusal(refused)
    await staff.sign_in("other_institution")
    assert (await staff.client.get(f"/console/certificates/{numbers[0]}/certificate.pdf")).status_code == 403


async def test_the_file_pickers_offer_every_file_the_import_reads(staff: Staff, world: Database) -> None:
    """Excel's and WPS's "Unicode text" is a ``.txt`` (docs/batches.md "The files issuers keep"), and a workbook
    with macros an ``.xlsm``: the upload and resubmit pickers offered .xlsx and .csv only, so a clerk who saved
    the sheet so did not see the file in the dialog."""
    await staff.sign_in("institution")
    form = (await staff.client.get("/console/batches/new")).text
    (accepted,) = re.findall(r'<input type="file" name="file" required accept="([^"]*)"', form)
    assert set(accepted.split(",")) == {".xlsx", ".xlsm", ".csv", ".txt"}
    lines = [["姓名", "身份证号", "职业编码", "等级"], *good_rows(2, start=90)]
    text = "".join("\t".join(row) + "\r\n" for row in lines)
    saved = b"\xff\xfe" + text.encode("utf-16-le")
    uploaded = await staff.post("/console/batches/new", UPLOAD, files={"file": ("成绩.txt", saved)})
    assert uploaded.status_code == 303
    page = (await staff.client.get(uploaded.headers["location"].split("?")[0])).text
    assert re.findall(r'<input type="file" name="file" required accept="([^"]*)"', page) == [accepted]
    assert "合格 2" in page


async def test_the_batch_page_names_the_columns_the_upload_did_not_read(staff: Staff, world: Database) -> None:
    """A clerk who typed the results into a column the import does not read (考核成绩) learned it only from the
    API's ``ignored_columns``: the batch page said nothing, to the clerk or to the reviewers. It says so, from
    the batch's last upload: a corrected file that is read whole clears it."""
    header = ("姓名", "身份证号", "职业编码", "等级", "考核成绩", "备注")
    rows = [[*row, "85", ""] for row in good_rows(2, start=95)]
    await staff.sign_in("institution")
    uploaded = await staff.post("/console/batches/new", UPLOAD, files={"file": ("r.csv", csv_file(rows, header))})
    assert uploaded.status_code == 303
    batch = uploaded.headers["location"].split("?")[0]
    page = (await staff.client.get(batch)).text
    (notice,) = re.findall(r'<p class="notice" id="ignored-columns" role="status">(.*?)</p>', page)
    assert "未读取" in notice
    assert "考核成绩、备注" in notice
    english = (await staff.client.get(f"{batch}?lang=en")).text
    (notice,) = re.findall(r'<p class="notice" id="ignored-columns" role="status">(.*?)</p>', english)
    assert "not read" in notice
    assert "考核成绩, 备注" in notice
    await staff.sign_in("city")  # the reviewer is told too
    assert 'id="ignored-columns"' in (await staff.client.get(batch)).text
    await staff.sign_in("institution")
    corrected = await staff.post(f"{batch}/resubmit", files={"file": ("r.csv", csv_file(good_rows(2, start=95)))})
    assert corrected.status_code == 303
    assert 'id="ignored-columns"' not in (await staff.client.get(batch)).text


async def test_the_columns_not_read_are_recorded_masked_and_bounded(staff: Staff, world: Database) -> None:
    """What an upload did not read is kept in its event, in the public log: a document number typed as a
    header is masked there and on the page, and a file of many stray columns records the first 50 and the
    count, which the page gives."""
    stray = [resident_id(7), *(f"备注{n}" for n in range(59))]
    header = ("姓名", "身份证号", "职业编码", "等级", *stray)
    rows = [[*row, *([""] * len(stray))] for row in good_rows(2, start=97)]
    await staff.sign_in("institution")
    uploaded = await staff.post("/console/batches/new", UPLOAD, files={"file": ("r.csv", csv_file(rows, header))})
    assert uploaded.status_code == 303
    page = (await staff.client.get(uploaded.headers["location"].split("?")[0])).text
    (notice,) = re.findall(r'<p class="notice" id="ignored-columns" role="status">(.*?)</p>', page)
    assert notice.count("、") == 49
    assert "备注48" in notice
    assert "备注49" not in notice
    assert "（共 60 列）" in notice
    assert "43**************" in notice
    async with world.reader() as session:
        (data,) = (await session.scalars(select(Event.data).where(Event.kind == "batch.submitted"))).all()
    assert resident_id(7).encode() not in data
    assert resident_id(7) not in page
