"""A holder gets one valid certificate per subject and level even when two uploads raced past the import's
duplicate check: issuing looks again, under the issue lock, and refuses the later batch (nothing issued)."""

from __future__ import annotations

import asyncio

import pytest

from issuer.auth import Principal, Role
from issuer.issuing.errors import IneligibleError
from issuer.issuing.service import issue_batch
from registry.rules.profiles import HUNAN
from tests.factories import HOLDER_IDS
from tests.integration.issuing.batches import Row, make_batch
from tests.integration.issuing.conftest import Api, World
from tests.integration.issuing.snapshots import issue_state

OPERATOR = Principal.for_operator("tester", role=Role.PROVINCE_ADMIN, org_code="430000")
SAME = Row(name="张三", holder_id=HOLDER_IDS[0])  # both uploads hold him: same ID, 电工, level 3


async def test_the_second_batch_with_the_same_holder_is_refused(world: World, api: Api) -> None:
    database = world.database
    first = await make_batch(database, [SAME, Row(name="李四", holder_id=HOLDER_IDS[1])])
    second = await make_batch(database, [Row(name="王五", holder_id=HOLDER_IDS[2]), SAME])
    issued = await api.client.post(f"/v1/batches/{first}/issue", headers=api.headers["province_admin"])
    assert issued.status_code == 200, issued.text
    number = issued.json()["numbers"][0]
    before = await issue_state(database, second)
    response = await api.client.post(f"/v1/batches/{second}/issue", headers=api.headers["province_admin"])
    assert response.status_code == 422, response.text
    body = response.json()
    assert [(p["row"], p["field"], p["code"]) for p in body["errors"]] == [
        (3, "id_number", "duplicate.valid_certificate")
    ]
    assert number in body["errors"][0]["message"]
    # One RowProblem from upload to issue: the same fields as a row report's problem, both languages apart.
    refused = body["errors"][0]
    assert (refused["rule"], refused["column"]) == ("duplicate", "")
    assert number in refused["message_zh"]
    assert number in refused["message_en"]
    assert refused["message"] == f"{refused['message_zh']} / {refused['message_en']}"
    assert "nothing was issued" in body["error"]
    assert await issue_state(database, second) == before


async def test_a_holder_twice_in_one_batch_is_refused(world: World) -> None:
    batch = await make_batch(world.database, [SAME, Row(name="李四", holder_id=HOLDER_IDS[1]), SAME])
    with pytest.raises(IneligibleError) as caught:
        await issue_batch(world.database, world.store, HUNAN, batch, caller=OPERATOR)
    assert [(p.row, p.code) for p in caught.value.problems] == [(4, "duplicate.in_batch")]


async def test_a_revoked_certificate_is_no_duplicate(world: World, api: Api) -> None:
    first = await make_batch(world.database, [SAME])
    issued = await issue_batch(world.database, world.store, HUNAN, first, caller=OPERATOR)
    revoked = await api.client.post(
        f"/v1/certificates/{issued.numbers[0]}/revoke",
        json={"reason": "考核作弊"},
        headers=api.headers["province_admin"],
    )
    assert revoked.status_code == 200, revoked.text
    second = await make_batch(world.database, [SAME])
    again = await issue_batch(world.database, world.store, HUNAN, second, caller=OPERATOR)
    assert len(again.issued_now) == 1


async def test_concurrent_issues_of_two_batches_with_the_same_holder_issue_one_certificate(world: World) -> None:
    database = world.database
    one = await make_batch(database, [SAME])
    two = await make_batch(database, [SAME])
    results = await asyncio.gather(
        issue_batch(database, world.store, HUNAN, one, caller=OPERATOR),
        issue_batch(database, world.store, HUNAN, two, caller=OPERATOR),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, IneligibleError)]
    issued = [r for r in results if not isinstance(r, BaseException)]
    assert (len(issued), len(refused)) == (1, 1), results
    assert [p.code for p in refused[0].problems] == ["duplicate.valid_certificate"]
