"""The row report of an import: every bad row, its column, rule and messages; what is stored of a row."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from registry.db import Database
from registry.models import BatchRow, Event, FilingStatusChange
from tests.factories import (
    ELECTRICIAN,
    EMBROIDERY,
    SITE,
    SKILL_INSTITUTION,
    add_keys,
    id_digest,
    issue_test_certificates,
    key_store,
)
from tests.factories.world import resident_id
from tests.integration.batches.conftest import auth
from tests.integration.batches.helpers import FORM, Client, bilingual, csv_file, submit


def by_row(body: Any) -> dict[int, list[str]]:
    return {row["row"]: [p["code"] for p in row["problems"]] for row in body["bad_rows"]}


async def test_every_bad_row_is_listed_with_column_rule_and_messages(
    client: Client, tokens: dict[str, str], world: Database
) -> None:
    rows = [
        ["张三", resident_id(1), ELECTRICIAN, "4"],  # 2: good
        ["", resident_id(2), ELECTRICIAN, "4"],  # 3: no name
        ["李四5", resident_id(3), ELECTRICIAN, "4"],  # 4: digits in the name
        ["王五", "430102199003071235", ELECTRICIAN, "4"],  # 5: check character
        ["赵六", resident_id(5), "1-01-01-01", "4"],  # 6: not in the catalogue
        ["钱七", resident_id(6), ELECTRICIAN, "1"],  # 7: level 1 not filed
        ["孙八", resident_id(7), "4-10-01-05", "2"],  # 8: 养老护理员 filed for 3-5 only
        ["周九", resident_id(8), ELECTRICIAN, "六级"],  # 9: no such level
        ["张三", resident_id(1), ELECTRICIAN, "四级"],  # 10: repeats row 2
    ]
    body = await submit(client, tokens["institution"], csv_file(rows))
    assert body["batch"]["counts"]["bad"] == 8
    assert by_row(body) == {
        3: ["cell.required"],
        4: ["name.digits"],
        5: ["id.checksum"],
        6: ["occupation.unknown"],
        7: ["scope.level_not_filed"],
        8: ["scope.level_not_filed"],
        9: ["level.range"],
        10: ["duplicate.in_file"],
    }
    rules = {r["row"]: [p["rule"] for p in r["problems"]] for r in body["bad_rows"]}
    assert rules == {  # always sent: the rule's number, else what kind of problem it is
        3: ["format"],
        4: ["format"],
        5: ["format"],
        6: ["3"],
        7: ["1"],
        8: ["1"],
        9: ["format"],
        10: ["duplicate"],
    }
    problem = next(r for r in body["bad_rows"] if r["row"] == 7)["problems"][0]
    assert (problem["column"], problem["field"], problem["rule"]) == ("等级", "level", "1")
    assert bilingual(problem["message_zh"] + " / " + problem["message_en"])
    # the batch cannot go on with bad rows
    review = await client.post(
        f"/v1/batches/{body['batch']['id']}/review", json={"decision": "approve"}, headers=auth(tokens["city"])
    )
    assert review.status_code == 409
    assert "8 bad rows" in review.json()["error"]


async def test_the_raw_id_number_is_never_stored(client: Client, tokens: dict[str, str], world: Database) -> None:
    ids = [resident_id(n) for n in range(3)]
    rows = [
        ["张三", ids[0], ELECTRICIAN, "4"],
        ["李四", ids[1], ELECTRICIAN, "4"],
        ["王五", ids[2] + "9", ELECTRICIAN, "4"],
    ]
    await submit(client, tokens["institution"], csv_file(rows))
    async with world.reader() as session:
        stored = (await session.scalars(select(BatchRow).order_by(BatchRow.row_no))).all()
        events = (await session.scalars(select(Event.data))).all()
    assert [r.holder_id_digest for r in stored[:2]] == [id_digest(ids[0]), id_digest(ids[1])]
    assert stored[0].holder_id_masked == ids[0][:6] + "********" + ids[0][14:]
    assert stored[2].holder_id_digest == bytes(32)  # no digest kept of a wrong number
    everything = repr([(r.holder_name, r.holder_id_masked, r.problems, r.subject_code) for r in stored]) + repr(events)
    for number in ids:
        assert number not in everything
        assert number[6:14] not in everything  # not even the birth date


async def test_duplicates_of_valid_certificates_and_of_batches_not_yet_issued(
    client: Client, tokens: dict[str, str], world: Database, tmp_path: Path
) -> None:
    store = key_store(tmp_path)
    await add_keys(world, store)
    holders = [("张三", resident_id(1)), ("李四", resident_id(2))]
    made = await issue_test_certificates(world, store, holders, level=4)
    await issue_test_certificates(world, store, [("李四", resident_id(2))], level=5)  # another level: no clash
    async with world.transaction() as session:  # 李四's certificate is revoked: a new one is fine
        from registry.certificates import revoke

        await revoke(session, made[1].number, reason="test", actor="test")
    first = await submit(client, tokens["institution"], csv_file([["王五", resident_id(3), ELECTRICIAN, "4"]]))
    rows = [
        ["张三", resident_id(1), ELECTRICIAN, "4"],  # 2: holds a valid certificate
        ["李四", resident_id(2), ELECTRICIAN, "4"],  # 3: held one, revoked
        ["王五", resident_id(3), ELECTRICIAN, "4"],  # 4: in the first batch, not yet issued
        ["张三", resident_id(1), ELECTRICIAN, "3"],  # 5: another level
    ]
    body = await submit(client, tokens["institution"], csv_file(rows))
    assert by_row(body) == {2: ["duplicate.valid_certificate"], 4: ["duplicate.pending_batch"]}
    messages = {r["row"]: r["problems"][0]["message_en"] for r in body["bad_rows"]}
    assert made[0].number in messages[2]
    assert f"batch {first['batch']['id']}" in messages[4]


async def test_the_filing_status_on_the_assessment_date_applies_to_every_row(
    client: Client, tokens: dict[str, str], world: Database
) -> None:
    async with world.transaction() as session:
        from registry.models import Filing

        filing = await session.scalar(select(Filing).where(Filing.institution_code == SKILL_INSTITUTION))
        assert filing is not None
        session.add(FilingStatusChange(filing_id=filing.id, status="suspended", effective_on=date(2025, 5, 1)))
    body = await submit(client, tokens["institution"], csv_file([["张三", resident_id(1), ELECTRICIAN, "4"]]))
    problem = body["bad_rows"][0]["problems"][0]
    assert (problem["code"], problem["rule"], problem["column"]) == ("filing.suspended", "2", "")
    before = await submit(
        client,
        tokens["institution"],
        csv_file([["张三", resident_id(9), ELECTRICIAN, "4"]]),
        {**FORM, "assessed_on": "2025-04-30"},
    )
    assert before["bad_rows"] == []


async def test_a_special_ability_batch_names_projects(client: Client, tokens: dict[str, str]) -> None:
    header = ("姓名", "身份证号", "专项职业能力项目编码")
    rows = [["张三", resident_id(1), EMBROIDERY], ["李四", resident_id(2), "HN77"]]
    body = await submit(
        client,
        tokens["province_admin"],
        csv_file(rows, header=header),
        {**FORM, "institution": SITE, "kind": "special_ability"},
    )
    assert by_row(body) == {3: ["project.unknown"]}
    assert body["batch"]["kind"] == "special_ability"
