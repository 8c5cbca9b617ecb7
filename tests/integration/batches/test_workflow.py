"""The batch workflow over HTTP: reviews, notice, objections, wrong-state 409s, history from events."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from issuer.app import create_app
from issuer.batches import transitions
from issuer.errors import BatchStateError
from registry.config import Settings
from registry.db import Database
from registry.models import Batch
from registry.rules.profiles import get_profile
from tests.factories import EMBROIDERY, SITE
from tests.integration.batches.conftest import auth
from tests.integration.batches.helpers import CITY_REVIEWER, Client, bilingual, csv_file, good_rows, post_batch
from tests.support import make_settings


async def submit(client: Client, tokens: dict[str, str], rows: list[list[str]]) -> int:
    response = await post_batch(client, tokens["institution"], csv_file(rows))
    assert response.status_code == 201, response.text
    return int(response.json()["batch"]["id"])


async def act(client: Client, token: str, batch_id: int, step: str, body: dict[str, Any] | None = None) -> Any:
    return await client.post(f"/v1/batches/{batch_id}/{step}", json=body, headers=auth(token))


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def conflict(response: Any, *words: str) -> None:
    assert response.status_code == 409, response.text
    message = response.json()["error"]
    assert bilingual(message)
    for word in words:
        assert word in message


async def test_a_level_4_skill_batch_needs_the_province_review(client: Client, tokens: dict[str, str]) -> None:
    """Rule 7 (002 §4(3)): results at every level go city first review → province review. This batch of
    levels 4 and 5 went from the city straight to the notice before issue 11."""
    batch = await submit(client, tokens, good_rows(3, level="4") + good_rows(1, start=3, level="5"))
    conflict(await act(client, tokens["institution"], batch, "notice"), "submitted", "province_approved")
    reviewed = ok(await act(client, tokens["city"], batch, "review", {"decision": "approve", "reason": "材料齐全"}))
    assert reviewed["batch"]["state"] == "city_reviewed"
    assert reviewed["province_approval_needed"] is True
    assert "province centre's review" in reviewed["next_step"]
    conflict(await act(client, tokens["institution"], batch, "notice"), "city_reviewed", "province_approved")
    conflict(await act(client, tokens["city"], batch, "review", {"decision": "approve"}), "city_reviewed", "submitted")
    ok(await act(client, tokens["province_reviewer"], batch, "approve", {"decision": "approve", "reason": "复核"}))
    noticed = ok(await act(client, tokens["institution"], batch, "notice"))
    starts = datetime.fromisoformat(noticed["batch"]["notice_starts_at"])
    ends = datetime.fromisoformat(noticed["batch"]["notice_ends_at"])
    assert (noticed["batch"]["state"], (ends - starts).days) == ("under_notice", 7)  # Hunan: 7 days (rule 8)
    assert "rule 8" in noticed["next_step"]
    kinds = [(h["kind"], h["actor"].split(":")[2], h["reason"]) for h in noticed["history"]]
    assert kinds == [
        ("batch.submitted", "institution", ""),
        ("batch.city_reviewed", "city_reviewer", "材料齐全"),
        ("batch.province_approved", "province_reviewer", "复核"),
        ("batch.notice_started", "institution", ""),
    ]
    assert noticed["history"][3]["details"]["days"] == 7


async def test_special_ability_results_stop_at_the_city(client: Client, tokens: dict[str, str]) -> None:
    """Rule 7 (003 §3(3)): special-ability results are confirmed by the city centre, no province review."""
    form = {"institution": SITE, "kind": "special_ability", "assessed_on": "2025-06-01"}
    rows = [[name, id_number, EMBROIDERY] for name, id_number, _, _ in good_rows(2)]
    data = csv_file(rows, header=("姓名", "身份证号", "专项职业能力项目编码"))
    response = await post_batch(client, tokens["province_admin"], data, form)
    assert response.status_code == 201, response.text
    batch = int(response.json()["batch"]["id"])
    reviewed = ok(await act(client, tokens["city"], batch, "review", {"decision": "approve"}))
    assert reviewed["province_approval_needed"] is False
    conflict(await act(client, tokens["province_reviewer"], batch, "approve", {"decision": "approve"}), "rule 7")
    assert ok(await act(client, tokens["province_admin"], batch, "notice"))["batch"]["state"] == "under_notice"


async def test_separation_of_duties(client: Client, tokens: dict[str, str]) -> None:
    """Rule 7's two reviews are two people: the submitter may not review, the city reviewer may not review
    at the province. The province admin holds every role's rights, so it is the one to catch."""
    response = await post_batch(client, tokens["province_admin"], csv_file(good_rows(2)))
    batch = int(response.json()["batch"]["id"])
    own = await act(client, tokens["province_admin"], batch, "review", {"decision": "approve"})
    assert own.status_code == 403, own.text
    assert "separation of duties" in own.json()["error"]
    assert "may not review it at the city" in own.json()["error"]
    assert bilingual(own.json()["error"])
    ok(await act(client, tokens["city"], batch, "review", {"decision": "approve"}))
    other = await act(client, tokens["province_admin"], batch, "approve", {"decision": "approve"})
    assert other.status_code == 403  # the admin submitted it
    # a second batch: the admin reviews at the city, then may not review at the province
    second = await submit(client, tokens, good_rows(2, start=5))
    ok(await act(client, tokens["province_admin"], second, "review", {"decision": "approve"}))
    twice = await act(client, tokens["province_admin"], second, "approve", {"decision": "approve"})
    assert twice.status_code == 403
    assert "reviewed at the city" in twice.json()["error"]
    ok(await act(client, tokens["province_reviewer"], second, "approve", {"decision": "approve"}))


async def test_level_3_needs_the_province_before_the_notice(client: Client, tokens: dict[str, str]) -> None:
    batch = await submit(client, tokens, good_rows(2, level="三级"))
    ok(await act(client, tokens["city"], batch, "review", {"decision": "approve"}))
    conflict(await act(client, tokens["institution"], batch, "notice"), "city_reviewed", "province_approved")
    approved = ok(await act(client, tokens["province_reviewer"], batch, "approve", {"decision": "approve"}))
    assert (approved["batch"]["state"], approved["province_approval_needed"]) == ("province_approved", True)
    assert ok(await act(client, tokens["institution"], batch, "notice"))["batch"]["state"] == "under_notice"
    conflict(await act(client, tokens["province_reviewer"], batch, "approve", {"decision": "approve"}), "under_notice")


async def test_an_objection_holds_rows_until_it_is_resolved(client: Client, tokens: dict[str, str]) -> None:
    batch = await submit(client, tokens, good_rows(4))
    conflict(await act(client, tokens["city"], batch, "objections", {"rows": [2], "reason": "x"}), "under_notice")
    ok(await act(client, tokens["city"], batch, "review", {"decision": "approve"}))
    ok(await act(client, tokens["province_reviewer"], batch, "approve", {"decision": "approve"}))
    ok(await act(client, tokens["institution"], batch, "notice"))
    held = ok(await act(client, tokens["city"], batch, "objections", {"rows": [2, 3], "reason": "举报替考"}))
    assert held["batch"]["counts"]["held"] == 2
    assert "held by an objection" in held["next_step"]
    statuses = {r["row"]: r["status"] for r in held["rows"]["items"]}
    assert statuses == {2: "held", 3: "held", 4: "ok", 5: "ok"}
    wrong = await act(
        client, tokens["city"], batch, "objections/resolve", {"rows": [4], "decision": "release", "reason": "x"}
    )
    assert (wrong.status_code, wrong.json()["code"]) == (422, "rows.status")  # row 4 is not held
    assert "rows 4 are not held" in wrong.json()["error"]
    missing = await act(client, tokens["city"], batch, "objections", {"rows": [99], "reason": "x"})
    assert (missing.status_code, missing.json()["code"]) == (422, "rows.unknown")
    no_reason = await act(client, tokens["city"], batch, "objections", {"rows": [4], "reason": "  "})
    # the same refusal as a certificate change's (tests/integration/issuing/test_changes.py): one input error
    assert (no_reason.status_code, no_reason.json()["code"], no_reason.json()["field"]) == (
        400,
        "reason.required",
        "reason",
    )
    assert no_reason.json()["error"] == "必须填写原因 / a reason is required"
    released = {"rows": [2], "decision": "release", "reason": "查无实据"}
    ok(await act(client, tokens["city"], batch, "objections/resolve", released))
    excluded = {"rows": [3], "decision": "exclude", "reason": "查实"}
    done = ok(await act(client, tokens["province_reviewer"], batch, "objections/resolve", excluded))
    assert done["batch"]["counts"] == {"total": 4, "ok": 3, "bad": 0, "excluded": 1, "held": 0, "issued": 0}
    events = [(h["kind"], h["details"].get("rows"), h["details"].get("decision")) for h in done["history"][-3:]]
    assert events == [
        ("batch.objection", "2-3", None),
        ("batch.objection_resolved", "2", "release"),
        ("batch.objection_resolved", "3", "exclude"),
    ]


async def test_bad_rows_are_excluded_or_the_file_resubmitted(client: Client, tokens: dict[str, str]) -> None:
    rows = [*good_rows(2), ["王五", "123", "6-31-01-03", "4"]]
    batch = await submit(client, tokens, rows)
    missing = await act(client, tokens["institution"], batch, "exclude", {"rows": [4, 9], "reason": "x"})
    assert (missing.status_code, "no rows 9" in missing.json()["error"]) == (422, True)
    excluded = ok(await act(client, tokens["institution"], batch, "exclude", {"rows": [4], "reason": "身份证号待核实"}))
    assert excluded["batch"]["counts"]["excluded"] == 1
    assert excluded["next_step"].endswith("waiting for the city centre's review")
    rejected = ok(await act(client, tokens["city"], batch, "review", {"decision": "reject", "reason": "请补充材料"}))
    assert rejected["batch"]["state"] == "rejected"
    # the institution resubmits a corrected file: the rows are replaced, back to submitted
    corrected = csv_file(good_rows(3, start=10))
    response = await client.post(
        f"/v1/batches/{batch}/resubmit", files={"file": ("fixed.csv", corrected)}, headers=auth(tokens["institution"])
    )
    body = ok(response)
    assert (body["batch"]["state"], body["batch"]["counts"]["ok"], body["batch"]["file_name"]) == (
        "submitted",
        3,
        "fixed.csv",
    )
    ok(await act(client, tokens["city"], batch, "review", {"decision": "approve"}))
    late = await client.post(
        f"/v1/batches/{batch}/resubmit", files={"file": ("again.csv", corrected)}, headers=auth(tokens["institution"])
    )
    conflict(late, "city_reviewed", "submitted or rejected")
    conflict(await act(client, tokens["institution"], batch, "exclude", {"rows": [2], "reason": "x"}), "city_reviewed")
    history = ok(await client.get(f"/v1/batches/{batch}", headers=auth(tokens["institution"])))["history"]
    assert [h["kind"] for h in history] == [
        "batch.submitted",
        "batch.rows_excluded",
        "batch.rejected",
        "batch.resubmitted",
        "batch.city_reviewed",
    ]
    assert history[3]["details"]["previous_sha256"] == history[0]["details"]["file_sha256"]


async def test_a_rejection_needs_a_reason(client: Client, tokens: dict[str, str]) -> None:
    batch = await submit(client, tokens, good_rows(1))
    response = await act(client, tokens["city"], batch, "review", {"decision": "reject"})
    assert (response.status_code, response.json()["code"]) == (400, "reason.required")  # as a revoke's
    assert "reason is required" in response.json()["error"]
    unknown = await act(client, tokens["city"], batch, "review", {"decision": "maybe"})
    assert unknown.status_code == 400


async def test_the_notice_setting_shortens_it_and_days_only_lengthen_it(
    db_url: str, world: Database, tokens: dict[str, str]
) -> None:
    async with AsyncTestClient(create_app(make_settings(database_url=db_url, notice_days=0, demo_mode=True))) as client:
        first = await submit(client, tokens, good_rows(1))
        second = await submit(client, tokens, good_rows(1, start=1))
        for batch in (first, second):
            ok(await act(client, tokens["city"], batch, "review", {"decision": "approve"}))
            ok(await act(client, tokens["province_reviewer"], batch, "approve", {"decision": "approve"}))
        short = ok(await act(client, tokens["institution"], first, "notice"))
        assert short["batch"]["notice_starts_at"] == short["batch"]["notice_ends_at"]
        assert short["next_step"] == "公示期满，可以发证 / the notice has ended: the batch can be issued"
        conflict(await act(client, tokens["city"], first, "objections", {"rows": [2], "reason": "x"}), "ended")
        longer = ok(await act(client, tokens["institution"], second, "notice", {"days": 10}))
        assert longer["history"][-1]["details"]["days"] == 10
    async with AsyncTestClient(create_app(make_settings(database_url=db_url))) as client:
        third = await submit(client, tokens, good_rows(1, start=2))
        ok(await act(client, tokens["city"], third, "review", {"decision": "approve"}))
        ok(await act(client, tokens["province_reviewer"], third, "approve", {"decision": "approve"}))
        too_short = await act(client, tokens["institution"], third, "notice", {"days": 3})
        assert (too_short.status_code, too_short.json()["code"]) == (422, "notice.too_short")
        assert "at least 7 days (rule 8)" in too_short.json()["error"]


async def test_concurrent_reviews_move_the_batch_once(
    client: Client, tokens: dict[str, str], world: Database, settings: Settings
) -> None:
    batch = await submit(client, tokens, good_rows(2))
    results = await asyncio.gather(
        *(
            transitions.review_batch(
                world, CITY_REVIEWER, batch, "approve", "", profile=get_profile(settings.issuing.profile)
            )
            for _ in range(3)
        ),
        return_exceptions=True,
    )
    assert sum(r is None for r in results) == 1
    assert all(isinstance(r, BatchStateError) for r in results if r is not None)
    async with world.reader() as session:
        assert await session.scalar(select(Batch.state).where(Batch.id == batch)) == "city_reviewed"
    detail = ok(await client.get(f"/v1/batches/{batch}", headers=auth(tokens["city"])))
    assert [h["kind"] for h in detail["history"]].count("batch.city_reviewed") == 1


@pytest.mark.parametrize("path", ["/v1/batches/999", "/v1/batches/999/review"])
async def test_an_unknown_batch_is_404(client: Client, tokens: dict[str, str], path: str) -> None:
    if path.endswith("review"):
        response = await client.post(path, json={"decision": "approve"}, headers=auth(tokens["province_admin"]))
    else:
        response = await client.get(path, headers=auth(tokens["province_admin"]))
    assert response.status_code == 404
    assert bilingual(response.json()["error"])


async def test_the_province_may_reject_and_the_institution_resubmit(client: Client, tokens: dict[str, str]) -> None:
    batch = await submit(client, tokens, good_rows(2, level="2"))
    ok(await act(client, tokens["city"], batch, "review", {"decision": "approve"}))
    rejected = ok(
        await act(client, tokens["province_reviewer"], batch, "approve", {"decision": "reject", "reason": "复核不通过"})
    )
    assert rejected["batch"]["state"] == "rejected"
    assert rejected["history"][-1]["details"] == {"stage": "province"}
    assert rejected["history"][-1]["reason"] == "复核不通过"
    assert "may resubmit" in rejected["next_step"]
    conflict(await act(client, tokens["city"], batch, "review", {"decision": "approve"}), "rejected")
