"""A document number typed where none belongs is never kept or shown in clear (issue 10, item 6; rule
``text``, docs/rules.md "Typed text").

Before: a row with the ID in the name column kept the 18-digit number as ``batch_row.holder_name`` and showed
it in the upload answer and in ``GET /v1/batches/{id}``. Now the row is refused with its own problem and
only a masked form is kept; a reason holding a number is refused (400) and nothing is stored.
"""

from __future__ import annotations

import unicodedata

import pytest
from sqlalchemy import select

from registry.db import Database
from registry.models import BatchRow
from tests.factories import ELECTRICIAN
from tests.factories.world import resident_id
from tests.integration.batches.conftest import auth
from tests.integration.batches.helpers import Client, bilingual, csv_file, good_rows, post_batch
from tests.integration.batches.test_control_characters import counts

#: One number of each shape, as a person might type it into the wrong column.
TYPED = {
    "resident ID": resident_id(7),
    "resident ID ending in X": "11010519491231002X",
    "first-generation ID": "430102900307123",
    "Hong Kong permit": "H12345678",
    "Taiwan permit": "12345678",
    "passport": "E12345678",
    "foreigner's permit before 2023": "USA123456789012",
    "full-width digits": "４３０１０２１９９００３０７１２３４",
}


@pytest.mark.parametrize("number", TYPED.values(), ids=TYPED.keys())
async def test_a_number_in_the_name_column_is_refused_and_kept_only_masked(
    client: Client, tokens: dict[str, str], world: Database, number: str
) -> None:
    rows = [
        *good_rows(1),
        [number, resident_id(9), ELECTRICIAN, "4"],
        [f"张三{number}", resident_id(10), ELECTRICIAN, "4"],
    ]
    submitted = await post_batch(client, tokens["institution"], csv_file(rows))
    assert submitted.status_code == 201, submitted.text
    answer = submitted.json()
    bad = {row["row"]: row["problems"] for row in answer["bad_rows"]}
    assert sorted(bad) == [3, 4]
    for problems in bad.values():
        assert [(p["code"], p["rule"], p["field"], p["column"]) for p in problems] == [
            ("text.document_number", "text", "name", "姓名")
        ]
        assert bilingual(problems[0]["message_zh"] + " / " + problems[0]["message_en"])
    batch = answer["batch"]["id"]
    shown = await client.get(f"/v1/batches/{batch}", headers=auth(tokens["institution"]))
    assert shown.status_code == 200
    async with world.reader() as session:
        names = list(await session.scalars(select(BatchRow.holder_name).order_by(BatchRow.row_no)))
    assert names[0] == "张三"
    assert names[2].startswith("张三")
    folded = unicodedata.normalize("NFKC", number)
    for text in (submitted.text, shown.text, *names[1:]):
        assert number not in text
        assert folded not in text
        if len(folded) > 10:
            assert folded[2:-2] not in text  # not even the middle: it is masked, not truncated
    assert "*" in names[1]
    assert "*" in names[2]


async def test_a_number_in_the_occupation_column_is_not_echoed(
    client: Client, tokens: dict[str, str], world: Database
) -> None:
    number = resident_id(3)
    rows = [["李四", resident_id(2), number, "4"]]
    submitted = await post_batch(client, tokens["institution"], csv_file(rows))
    assert submitted.status_code == 201, submitted.text
    (row,) = submitted.json()["bad_rows"]
    assert next(p["code"] for p in row["problems"]) == "text.document_number"  # then its masked form is malformed
    assert number not in submitted.text
    async with world.reader() as session:
        (subject,) = await session.scalars(select(BatchRow.subject_code))
    assert number not in subject


async def test_dates_and_certificate_numbers_are_not_document_numbers(
    client: Client, tokens: dict[str, str], world: Database
) -> None:
    submitted = await post_batch(client, tokens["institution"], csv_file(good_rows(2)))
    batch = submitted.json()["batch"]["id"]
    response = await client.post(
        f"/v1/batches/{batch}/exclude",
        json={"rows": [2], "reason": "20250601 考试缺考，见证书 S000043000101202500000123 备注"},
        headers=auth(tokens["institution"]),
    )
    assert response.status_code == 200, response.text


async def test_a_reason_holding_a_document_number_is_400_and_nothing_is_stored(
    client: Client, tokens: dict[str, str], world: Database
) -> None:
    submitted = await post_batch(client, tokens["institution"], csv_file(good_rows(2)))
    assert submitted.status_code == 201, submitted.text
    batch = submitted.json()["batch"]["id"]
    before = await counts(world)
    number = resident_id(1)
    for reason in (f"重复报名，身份证{number}", "护照 E12345678 过期", f"{number}"):
        response = await client.post(
            f"/v1/batches/{batch}/exclude", json={"rows": [2], "reason": reason}, headers=auth(tokens["institution"])
        )
        assert response.status_code == 400, response.text
        body = response.json()
        assert body["code"] == "text.document_number"
        assert body["field"] == "reason"
        assert bilingual(body["error"])
        assert number not in response.text
        assert "E12345678" not in response.text
    assert await counts(world) == before
