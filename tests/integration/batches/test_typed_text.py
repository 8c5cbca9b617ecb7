"""Names, file names and reasons of the batch endpoints hold no bidi control or other invisible character,
and a name no formula start (issue 10, item 11; rule ``text``, docs/rules.md "Typed text").

Before: a name ``-张三`` passed (``-`` is a name mark) and would start a formula in any export; a file name or
a reason with U+202E was kept and listed as typed.
"""

from __future__ import annotations

import pytest

from registry.db import Database
from tests.factories import ELECTRICIAN
from tests.factories.world import resident_id
from tests.integration.batches.conftest import auth
from tests.integration.batches.helpers import Client, bilingual, csv_file, good_rows, post_batch
from tests.integration.batches.test_control_characters import counts, post_by_hand, refused

NAMES = [
    ("-张三", "text.formula"),
    ('=HYPERLINK("http://x")', "text.formula"),
    ("+李四", "text.formula"),
    ("@王五", "text.formula"),
    ("－赵六", "text.formula"),  # full width: folded by spreadsheets
    ("张\u202e三", "text.invisible"),
    ("\u2067李四\u2069", "text.invisible"),
    ("王\u200e五", "text.invisible"),
    ("赵\u061c六", "text.invisible"),
    ("钱\u00ad七", "text.invisible"),  # soft hyphen
]


async def test_names_with_a_formula_start_or_an_invisible_character_are_refused_rows(
    client: Client, tokens: dict[str, str], world: Database
) -> None:
    rows = [*good_rows(1)] + [[name, resident_id(20 + i), ELECTRICIAN, "4"] for i, (name, _) in enumerate(NAMES)]
    submitted = await post_batch(client, tokens["institution"], csv_file(rows))
    assert submitted.status_code == 201, submitted.text
    bad = {row["row"]: row["problems"] for row in submitted.json()["bad_rows"]}
    assert {n: [(p["code"], p["rule"]) for p in problems] for n, problems in bad.items()} == {
        3 + i: [(code, "text")] for i, (_, code) in enumerate(NAMES)
    }
    for problems in bad.values():
        assert bilingual(problems[0]["message_zh"] + " / " + problems[0]["message_en"])
        assert "\u202e" not in problems[0]["message_zh"]


@pytest.mark.parametrize(
    ("file_name", "code"),
    [
        ("成绩\u202excsl.exe", "text.invisible"),
        ("\u200b成绩.csv", "text.invisible"),
        (f"{resident_id(1)}.csv", "text.document_number"),
    ],
    ids=["rlo", "zero-width-space", "id-number"],
)
async def test_a_file_name_with_an_invisible_character_or_an_id_is_400(
    client: Client, tokens: dict[str, str], world: Database, file_name: str, code: str
) -> None:
    response = await post_by_hand(client, tokens["institution"], file_name)
    refused(response, 400, code)
    assert resident_id(1) not in response.text
    assert await counts(world) == (0, 0)


async def test_a_batch_reason_with_a_bidi_control_is_400(
    client: Client, tokens: dict[str, str], world: Database
) -> None:
    submitted = await post_batch(client, tokens["institution"], csv_file(good_rows(2)))
    batch = submitted.json()["batch"]["id"]
    before = await counts(world)
    for reason in ("重复\u202e报名", "\u2066重复\u2069", "重复\u200f"):
        response = await client.post(
            f"/v1/batches/{batch}/exclude", json={"rows": [2], "reason": reason}, headers=auth(tokens["institution"])
        )
        refused(response, 400, "text.invisible")
        assert response.json()["field"] == "reason"
    assert await counts(world) == before
