"""Who may do what, over HTTP: every batch endpoint × every token holder (own and other organisation).

On SQLite only: the decision is the same code whatever the engine (the engines are covered by the workflow
tests); the matrix would only run twice.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from issuer.batches import submission, transitions
from registry.config import Settings
from registry.db import Database
from registry.rules.profiles import get_profile
from registry.vocab import CertificateKind
from tests.factories import SKILL_INSTITUTION
from tests.factories.tokens import make_tokens
from tests.factories.world import OTHER_INSTITUTION
from tests.integration.batches.conftest import HOLDERS, auth
from tests.integration.batches.helpers import (
    ADMIN,
    ASSESSED,
    CITY_REVIEWER,
    INSTITUTION,
    Client,
    bilingual,
    csv_file,
    good_rows,
    reviewed,
)
from tests.support import make_settings
from tests.support_apps import issuer_client

ANYONE_OWN = {"institution", "province_admin"}
CENTRES = {"city", "province_reviewer", "province_admin"}
#: endpoint → the holders that may call it on a Changsha institution's batch.
ALLOWED = {
    "submit": ANYONE_OWN,
    "show": {"institution", "city", "province_reviewer", "province_admin"},
    "resubmit": ANYONE_OWN,
    "exclude": ANYONE_OWN,
    "review": {"city", "province_admin"},
    "approve": {"province_reviewer", "province_admin"},
    "notice": ANYONE_OWN,
    "objections": CENTRES,
    "resolve": CENTRES,
    "hold": CENTRES,
}


@pytest.fixture
async def matrix(sqlite_world: Database, sqlite_url: str) -> AsyncIterator[tuple[Client, dict[str, str], Settings]]:
    settings = make_settings(database_url=sqlite_url)
    tokens = await make_tokens(sqlite_world, HOLDERS)
    async with issuer_client(settings) as client:
        yield client, tokens, settings


async def _batch(
    database: Database, settings: Settings, *, level: str = "4", institution: str = SKILL_INSTITUTION
) -> int:
    upload = submission.Upload(
        data=csv_file(good_rows(2, level=level)),
        file_name="r.csv",
        institution=institution,
        kind=CertificateKind.SKILL_LEVEL,
        assessed_on=ASSESSED,
    )
    submitter = INSTITUTION if institution == SKILL_INSTITUTION else ADMIN  # none of the matrix's tokens
    return (
        await submission.submit_batch(
            database, settings, submitter, upload, profile=get_profile(settings.issuing.profile)
        )
    ).batch_id


async def _prepared(endpoint: str, database: Database, settings: Settings) -> int:
    """A batch in the state ``endpoint`` needs (moved there by operators of the right roles, none of them
    the token holders of the matrix)."""
    batch = await _batch(database, settings, level="3" if endpoint == "approve" else "4")
    if endpoint == "approve":
        await transitions.review_batch(
            database, CITY_REVIEWER, batch, "approve", "", profile=get_profile(settings.issuing.profile)
        )
    if endpoint == "notice":
        await reviewed(database, settings, batch)
    if endpoint in ("objections", "resolve", "hold"):
        await reviewed(database, settings, batch, notice=True)
    if endpoint == "resolve":
        await transitions.record_objection(database, ADMIN, batch, [2], "异议")
    return batch


def _call(endpoint: str, batch: int) -> Callable[[Client, dict[str, str]], Awaitable[Any]]:
    rows = {"rows": [2], "reason": "理由"}
    posts: dict[str, tuple[str, dict[str, Any]]] = {
        "exclude": ("exclude", rows),
        "review": ("review", {"decision": "approve"}),
        "approve": ("approve", {"decision": "approve"}),
        "notice": ("notice", {}),
        "objections": ("objections", rows),
        "resolve": ("objections/resolve", {**rows, "decision": "release"}),
        "hold": ("hold", rows),
    }

    async def call(client: Client, headers: dict[str, str]) -> Any:
        if endpoint == "submit":
            form = {"institution": SKILL_INSTITUTION, "kind": "skill_level", "assessed_on": "2025-06-01"}
            data = csv_file(good_rows(1, start=50))
            return await client.post("/v1/batches", files={"file": ("r.csv", data)}, data=form, headers=headers)
        if endpoint == "show":
            return await client.get(f"/v1/batches/{batch}", headers=headers)
        if endpoint == "resubmit":
            data = csv_file(good_rows(1, start=60))
            return await client.post(f"/v1/batches/{batch}/resubmit", files={"file": ("r.csv", data)}, headers=headers)
        path, body = posts[endpoint]
        return await client.post(f"/v1/batches/{batch}/{path}", json=body, headers=headers)

    return call


@pytest.mark.parametrize("holder", list(HOLDERS))
@pytest.mark.parametrize("endpoint", list(ALLOWED))
async def test_matrix(
    matrix: tuple[Client, dict[str, str], Settings], sqlite_world: Database, endpoint: str, holder: str
) -> None:
    client, tokens, settings = matrix
    batch = await _prepared(endpoint, sqlite_world, settings)
    response = await _call(endpoint, batch)(client, auth(tokens[holder]))
    if holder in ALLOWED[endpoint]:
        assert response.status_code in (200, 201), response.text
        return
    if holder == "other_institution" and "institution" in ALLOWED[endpoint]:
        # issue 10 item 9: another institution's batch answers the 404 of an unknown one, naming no owner
        assert response.status_code == 404, response.text
        unknown = await _call(endpoint, batch + 1000)(client, auth(tokens["province_admin"]))
        if endpoint != "submit":
            assert response.json()["error"] == unknown.json()["error"].replace(str(batch + 1000), str(batch))
        assert SKILL_INSTITUTION not in response.json()["error"] or endpoint == "submit"
        return
    assert response.status_code == 403, response.text
    message = response.json()["error"]
    assert bilingual(message)
    assert any(rule in message for rule in ("only for", "in its region")), message


@pytest.mark.parametrize("endpoint", list(ALLOWED))
async def test_no_token_is_401(matrix: tuple[Client, dict[str, str], Settings], endpoint: str) -> None:
    client, _, _ = matrix
    for headers in ({}, {"Authorization": "Bearer crt_" + "x" * 43}):
        response = await _call(endpoint, 1)(client, headers)
        assert response.status_code == 401, (endpoint, response.text)


async def test_lists_show_what_each_holder_may_see(
    matrix: tuple[Client, dict[str, str], Settings], sqlite_world: Database
) -> None:
    client, tokens, settings = matrix
    ours = await _batch(sqlite_world, settings)
    theirs = await _batch(sqlite_world, settings, institution=OTHER_INSTITUTION)
    seen = {}
    for holder, token in tokens.items():
        response = await client.get("/v1/batches", headers=auth(token))
        assert response.status_code == 200
        seen[holder] = sorted(item["id"] for item in response.json()["items"])
    assert seen == {
        "institution": [ours],
        "other_institution": [theirs],
        "city": [ours],
        "other_city": [theirs],
        "province_reviewer": sorted([ours, theirs]),
        "province_admin": sorted([ours, theirs]),
    }
    nosy = await client.get(f"/v1/batches?institution={OTHER_INSTITUTION}", headers=auth(tokens["institution"]))
    assert nosy.status_code == 404  # as for an unknown institution (issue 10 item 9)
    filtered = await client.get(
        "/v1/batches?state=submitted&institution=" + OTHER_INSTITUTION, headers=auth(tokens["province_reviewer"])
    )
    assert [item["id"] for item in filtered.json()["items"]] == [theirs]
    assert (await client.get("/v1/batches?state=nope", headers=auth(tokens["province_admin"]))).status_code == 400


async def test_a_bad_filter_is_named_as_the_client_typed_it(matrix: tuple[Client, dict[str, str], Settings]) -> None:
    """``?state=nope`` is refused naming ``state``, not the handler's ``batch_state``, and the states it takes
    (the message named only the value refused)."""
    client, tokens, _ = matrix
    response = await client.get("/v1/batches?state=nope", headers=auth(tokens["province_admin"]))
    assert response.status_code == 400
    problem = response.json()
    states = "submitted, city_reviewed, province_approved, under_notice, issued, rejected"
    assert problem["message_zh"] == f"请求参数无效：查询参数 state 无效：须为以下之一：{states}"
    assert problem["message_en"] == f"invalid request: state (query): Invalid enum value 'nope' (one of: {states})"


async def test_a_broken_bound_is_named_in_chinese_too(matrix: tuple[Client, dict[str, str], Settings]) -> None:
    """The Chinese half said only '路径参数 batch_id 无效' where the English named the bound it broke."""
    client, tokens, _ = matrix
    headers = auth(tokens["province_admin"])
    answers = {
        "/v1/batches/0": "路径参数 batch_id 无效：须为不小于 1 的整数",
        "/v1/batches/1?limit=100000": "查询参数 limit 无效：须为不大于 1000 的整数",
        "/v1/batches?offset=abc": "查询参数 offset 无效：须为整数",
    }
    for path, zh in answers.items():
        response = await client.get(path, headers=headers)
        assert response.status_code == 400, path
        assert response.json()["message_zh"] == f"请求参数无效：{zh}"
    reason = await client.post(
        "/v1/batches/1/review", json={"decision": "reject", "reason": "x" * 501}, headers=headers
    )  # a certificate's revoke, reissue and replace allow 500 characters, the batch steps allowed 1,000
    assert reason.status_code == 400
    assert reason.json()["message_zh"] == "请求参数无效：请求体 reason 无效：最多 500 个字符"
    assert reason.json()["message_en"] == "invalid request: reason (body): Expected `str` of length <= 500"


async def test_a_refused_listing_is_an_answer_the_document_lists(
    matrix: tuple[Client, dict[str, str], Settings],
) -> None:
    """``GET /v1/batches?institution=…`` naming an institution out of the token's reach is a 404 (to an
    institution) or a 403 (to a city centre): the document listed only 200, 400 and 401. An empty
    ``institution=`` filters nothing (it was a 404 "no institution " naming nobody)."""
    client, tokens, _ = matrix
    documented = (await client.get("/schema/openapi.json")).json()["paths"]["/v1/batches"]["get"]["responses"]
    nosy = await client.get(f"/v1/batches?institution={OTHER_INSTITUTION}", headers=auth(tokens["institution"]))
    foreign = await client.get(f"/v1/batches?institution={OTHER_INSTITUTION}", headers=auth(tokens["city"]))
    blank = await client.get("/v1/batches?institution=", headers=auth(tokens["institution"]))
    assert (nosy.status_code, foreign.status_code, blank.status_code) == (404, 403, 200), blank.text
    for refused in (nosy, foreign):
        assert str(refused.status_code) in documented
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["message_zh"]
        assert refused.json()["message_en"]
