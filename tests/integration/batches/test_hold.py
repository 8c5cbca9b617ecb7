"""Holding rows that issuing refuses, so that the others can be issued (``POST /v1/batches/{id}/hold``).

Issuing re-checks every row and refuses the whole batch when one fails; without a hold such a batch would be
stuck: objections close with the notice, exclusions with the review, and a batch under notice cannot be
rejected. The ineligible row here is a holder who got the same certificate through another batch, made
directly with the ORM as two racing uploads leave it (the import's pending-duplicate check stops any other
way of making it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from issuer.app import create_app
from registry.db import Database
from registry.rules.numbering import parse_any
from registry.rules.profiles import HUNAN
from tests.factories import add_keys, key_store
from tests.factories.world import resident_id
from tests.integration.batches.conftest import auth
from tests.integration.batches.helpers import Client, bilingual, good_rows
from tests.integration.batches.test_workflow import act, conflict, ok, submit
from tests.integration.issuing.batches import Row, make_batch
from tests.support import make_settings


@pytest.fixture
async def issuing_client(db_url: str, world: Database, tmp_path: Path) -> AsyncIterator[Client]:
    """The app with statement keys and a notice of zero days (the test does not wait a week)."""
    await add_keys(world, key_store(tmp_path / "keys"))
    settings = make_settings(database_url=db_url, key_dir=str(tmp_path / "keys"), notice_days=0, demo_mode=True)
    async with AsyncTestClient(create_app(settings)) as client:
        yield client


async def _noticed(client: Client, tokens: dict[str, str], count: int = 4) -> int:
    """A batch of ``count`` level-4 rows (rows 2…) whose notice has ended."""
    batch = await submit(client, tokens, good_rows(count))
    ok(await act(client, tokens["city"], batch, "review", {"decision": "approve"}))
    ok(await act(client, tokens["province_reviewer"], batch, "approve", {"decision": "approve"}))
    ok(await act(client, tokens["institution"], batch, "notice"))
    return batch


def unprocessable(response: Any, *words: str) -> None:
    assert response.status_code == 422, response.text
    message = response.json()["error"]
    assert bilingual(message), message
    for word in words:
        assert word in message, message


def statuses(detail: Any) -> dict[int, tuple[str, str | None]]:
    return {r["row"]: (r["status"], r["certificate_number"]) for r in detail["rows"]["items"]}


async def test_held_rows_let_the_others_be_issued_and_are_then_excluded(
    issuing_client: Client, world: Database, tokens: dict[str, str]
) -> None:
    client = issuing_client
    batch = await _noticed(client, tokens)
    # Row 3's holder gets the same certificate through another batch meanwhile.
    other = await make_batch(world, [Row(name="李四", holder_id=resident_id(1), level=4)])
    ok(await act(client, tokens["province_admin"], other, "issue"))

    refused = await act(client, tokens["province_admin"], batch, "issue")
    unprocessable(refused, "nothing was issued", "hold these rows", "可暂缓这些行")
    assert refused.json()["hold"] == f"POST /v1/batches/{batch}/hold"  # the route, from the HTTP layer only
    assert [(p["row"], p["code"]) for p in refused.json()["errors"]] == [(3, "duplicate.valid_certificate")]

    held = ok(await act(client, tokens["city"], batch, "hold", {"rows": [3], "reason": "已通过其他批次取得证书"}))
    assert (held["batch"]["state"], held["batch"]["counts"]["held"]) == ("under_notice", 1)
    assert "held by an objection or a hold" in held["next_step"]
    last = held["history"][-1]
    assert (last["kind"], last["reason"], last["details"]) == (
        "batch.rows_held",
        "已通过其他批次取得证书",
        {"rows": "3", "count": 1},
    )

    issued = ok(await act(client, tokens["province_admin"], batch, "issue"))
    assert (issued["issued_count"], issued["held"]) == (3, 1)
    # The refused call gave its numbers back: the other batch took 1, this one continues without a gap.
    assert [parse_any(HUNAN, n)[1].sequence for n in issued["numbers"]] == [2, 3, 4]
    shown = ok(await client.get(f"/v1/batches/{batch}", headers=auth(tokens["city"])))
    rows = statuses(shown)
    assert rows[3] == ("held", None)
    assert [rows[n][1] for n in (2, 4, 5)] == issued["numbers"]

    # Releasing only puts the row back to ok: issuing refuses it again, and issues nothing.
    released = {"rows": [3], "decision": "release", "reason": "复核"}
    ok(await act(client, tokens["province_reviewer"], batch, "objections/resolve", released))
    again = await act(client, tokens["province_admin"], batch, "issue")
    unprocessable(again, "nothing was issued")
    assert again.json()["hold"] == f"POST /v1/batches/{batch}/hold"
    assert [(p["row"], p["code"]) for p in again.json()["errors"]] == [(3, "duplicate.valid_certificate")]

    # The batch is issued now: its rows not yet issued can still be held, then excluded.
    ok(await act(client, tokens["city"], batch, "hold", {"rows": [3], "reason": "重复发证"}))
    excluded = {"rows": [3], "decision": "exclude", "reason": "持证人已有同等级证书"}
    done = ok(await act(client, tokens["city"], batch, "objections/resolve", excluded))
    assert done["batch"]["state"] == "issued"
    assert done["batch"]["counts"] == {"total": 4, "ok": 0, "bad": 0, "excluded": 1, "held": 0, "issued": 3}
    assert [(h["kind"], h["details"].get("rows"), h["details"].get("decision")) for h in done["history"][-5:]] == [
        ("batch.rows_held", "3", None),
        ("batch.issued", None, None),
        ("batch.objection_resolved", "3", "release"),
        ("batch.rows_held", "3", None),
        ("batch.objection_resolved", "3", "exclude"),
    ]
    repeat = ok(await act(client, tokens["province_admin"], batch, "issue"))
    assert (repeat["issued_count"], repeat["held"], repeat["numbers"]) == (0, 0, issued["numbers"])


async def test_hold_refuses_bad_input_with_a_bilingual_message(issuing_client: Client, tokens: dict[str, str]) -> None:
    client = issuing_client
    submitted = await submit(client, tokens, good_rows(2, start=10))
    conflict(
        await act(client, tokens["city"], submitted, "hold", {"rows": [2], "reason": "x"}),
        "submitted",
        "under_notice or issued",
        "已提交待市州审核",
    )
    batch = await _noticed(client, tokens, count=3)
    blank = await act(client, tokens["city"], batch, "hold", {"rows": [2], "reason": "  "})
    assert (blank.status_code, blank.json()["code"]) == (400, "reason.required"), blank.text  # as control characters
    unprocessable(await act(client, tokens["city"], batch, "hold", {"rows": [2, 9, 10], "reason": "x"}), "no rows 9-10")
    control = await act(client, tokens["city"], batch, "hold", {"rows": [2], "reason": "a\x00b"})
    assert control.status_code == 400, control.text
    assert bilingual(control.json()["error"])
    ok(await act(client, tokens["city"], batch, "hold", {"rows": [4], "reason": "待核实"}))
    ok(await act(client, tokens["province_admin"], batch, "issue"))
    unprocessable(
        await act(client, tokens["city"], batch, "hold", {"rows": [2, 4], "reason": "x"}), "rows 2 are not ok, held"
    )
    shown = ok(await client.get(f"/v1/batches/{batch}", headers=auth(tokens["city"])))
    assert [s for s, _ in statuses(shown).values()] == ["issued", "issued", "held"]
    assert [h["kind"] for h in shown["history"]].count("batch.rows_held") == 1  # refusals record nothing
