"""What the public reads when something is not there: the log's verifier key the province has not made (or
made twice) is a plain bilingual "not available" — what an operator must do goes to the start-up log, never
to the public — and a certificate number typed into the path of ``/v1/verify`` is the API's JSON 404."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from issuer.keystore import new_key
from registry.db import Database
from tests.factories import CITY, PROVINCE, key_store, seed_world
from tests.integration.verify.world import World, verify_client

NOT_AVAILABLE = ("日志验证公钥暂不可用", "the log's verifier key is not available")


async def _keys(database: Database, key_dir: Path, *wanted: tuple[str, str]) -> None:
    await seed_world(database)
    store = key_store(key_dir)
    async with database.transaction() as session:
        for authority, purpose in wanted:
            await new_key(session, store, authority=authority, purpose=purpose, actor="test")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("keys", "operator_hint"),
    [
        ([(PROVINCE, "statement")], "certreg keys new --authority"),
        ([(PROVINCE, "log"), (CITY, "log")], "more than one active log key"),
    ],
    ids=["no log key", "two log keys"],
)
async def test_a_log_key_not_set_up_is_not_available_to_the_public_and_the_operator_hint_is_logged(
    database: Database,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    keys: list[tuple[str, str]],
    operator_hint: str,
) -> None:
    await _keys(database, tmp_path / "keys", *keys)
    with caplog.at_level(logging.WARNING, logger="certreg.verify.runtime"):
        async with verify_client(database.url) as client:
            response = await client.get("/v1/log/key")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert (body["message_zh"], body["message_en"]) == NOT_AVAILABLE
    for operator_words in ("certreg", "--purpose", "retire", CITY):
        assert operator_words not in response.text
    assert operator_hint in caplog.text  # said once, at start-up, where the operator reads


async def test_a_log_key_in_place_is_served_and_nothing_is_logged(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="certreg.verify.runtime"):
        async with verify_client(world.database.url) as client:
            response = await client.get("/v1/log/key")
    assert response.status_code == 200
    assert "log key" not in caplog.text


async def test_a_number_in_the_path_of_verify_is_the_apis_json_404_and_not_echoed(world: World) -> None:
    """``GET /v1/verify/{number}`` is no route (verifying needs the name: ``POST /v1/verify``); checked, it
    already answered problem details like every other API error, without the number: kept so."""
    async with verify_client(world.database.url) as client:
        response = await client.get(f"/v1/verify/{world.valid.number}", headers={"Accept": "text/html,*/*"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()  # the router's 404, in the shape and words of every unknown API path
    assert (body["status"], body["message_zh"], body["message_en"]) == (404, "未找到", "Not Found")
    assert world.valid.number not in response.text
