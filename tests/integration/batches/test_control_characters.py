"""Control characters in any text the batch endpoints take are a 400, on PostgreSQL too.

PostgreSQL refuses U+0000 in a text column (``CharacterNotInRepertoireError``): before these checks a NUL in
a form field, a late CSV cell, a reason or a query parameter was a 500 there (SQLite stored it).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from registry.db import Database
from registry.models import Batch, Event
from tests.factories import SKILL_INSTITUTION
from tests.integration.batches.conftest import auth
from tests.integration.batches.helpers import FORM, Client, bilingual, csv_file, good_rows, post_batch


async def counts(database: Database) -> tuple[int, int]:
    async with database.reader() as session:
        batches = await session.scalar(select(func.count()).select_from(Batch))
        events = await session.scalar(select(func.count()).select_from(Event))
        return int(batches or 0), int(events or 0)


def refused(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code
    assert bilingual(body["error"])


async def post_by_hand(client: Client, token: str, file_name: str) -> Any:
    """POST /v1/batches with the multipart body written by hand: httpx percent-escapes control and some other
    characters in a file name, so only this way does the server see the name a browser could send."""
    boundary = "certreg-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in FORM.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
        f"Content-Type: text/csv\r\n\r\n".encode()
        + csv_file(good_rows(1))
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {**auth(token), "Content-Type": f"multipart/form-data; boundary={boundary}"}
    return await client.post("/v1/batches", content=b"".join(parts), headers=headers)


@pytest.mark.parametrize(
    ("form", "name"),
    [
        ({**FORM, "institution": "S0000430001\x0001"}, "r.csv"),
        ({**FORM, "kind": "skill_level\x01"}, "r.csv"),
        ({**FORM, "assessed_on": "2025-06-01\x00"}, "r.csv"),
    ],
    ids=["nul-in-institution", "control-in-kind", "nul-in-date"],
)
async def test_a_control_character_in_a_form_field_is_400(
    client: Client, tokens: dict[str, str], world: Database, form: dict[str, str], name: str
) -> None:
    response = await post_batch(client, tokens["institution"], csv_file(good_rows(1)), form, name)
    refused(response, 400, "upload.characters")
    assert await counts(world) == (0, 0)


async def test_a_control_character_in_the_file_name_is_400(
    client: Client, tokens: dict[str, str], world: Database
) -> None:
    response = await post_by_hand(client, tokens["institution"], "r\x01.csv")
    refused(response, 400, "upload.characters")
    assert await counts(world) == (0, 0)


async def test_a_nul_past_the_first_64_kib_of_a_csv_is_refused(
    client: Client, tokens: dict[str, str], world: Database
) -> None:
    rows = good_rows(2000)
    rows[-1][0] = "张\x00三"
    data = csv_file(rows)
    assert data.index(b"\x00") > 65536
    response = await post_batch(client, tokens["institution"], data)
    refused(response, 422, "file.binary")
    assert await counts(world) == (0, 0)


REASONED: list[tuple[str, dict[str, Any], str]] = [
    ("review", {"decision": "reject"}, "city"),
    ("review", {"decision": "approve"}, "city"),
    ("approve", {"decision": "reject"}, "province_reviewer"),
    ("exclude", {"rows": [2]}, "institution"),
    ("notice", {}, "institution"),
    ("objections", {"rows": [2]}, "province_admin"),
    ("objections/resolve", {"rows": [2], "decision": "release"}, "province_admin"),
]


async def test_a_control_character_in_a_reason_is_400(client: Client, tokens: dict[str, str], world: Database) -> None:
    submitted = await post_batch(client, tokens["institution"], csv_file(good_rows(2)))
    assert submitted.status_code == 201, submitted.text
    batch = submitted.json()["batch"]["id"]
    before = await counts(world)
    for step, body, holder in REASONED:
        for reason in ("材料\x00齐全", "ok\x07", "\x1b[31mred"):
            response = await client.post(
                f"/v1/batches/{batch}/{step}", json={**body, "reason": reason}, headers=auth(tokens[holder])
            )
            refused(response, 400, "reason.characters")
            assert response.json()["field"] == "reason"
    assert await counts(world) == before
    # line breaks and tabs stay allowed in a reason
    excluded = await client.post(
        f"/v1/batches/{batch}/exclude",
        json={"rows": [2], "reason": "重复\n\t报名"},
        headers=auth(tokens["institution"]),
    )
    assert excluded.status_code == 200, excluded.text
    assert excluded.json()["history"][-1]["reason"] == "重复\n\t报名"


async def test_a_control_character_in_a_query_parameter_is_400(client: Client, tokens: dict[str, str]) -> None:
    response = await client.get("/v1/batches?institution=a%00", headers=auth(tokens["province_admin"]))
    refused(response, 400, "institution.characters")
    fine = await client.get(f"/v1/batches?institution={SKILL_INSTITUTION}", headers=auth(tokens["province_admin"]))
    assert fine.status_code == 200
