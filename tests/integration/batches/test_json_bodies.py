"""JSON bodies are read as sent: a string where the route takes a number is refused (it was coerced, so
``{"days": "7"}`` started a 7-day notice), and so are a body that starts with a UTF-8 BOM and one that names a
key twice (which of the two values counts is the decoder's choice, not the client's). Each is a bilingual
400 naming what is wrong, and nothing is done (docs/verify.md, "Routes")."""

from __future__ import annotations

from typing import Any

from registry.config import Settings
from registry.db import Database
from tests.integration.batches.conftest import auth
from tests.integration.batches.helpers import Client, bilingual, csv_file, good_rows, post_batch, reviewed

JSON = {"Content-Type": "application/json"}


async def _reviewed_batch(client: Client, world: Database, settings: Settings, token: str) -> int:
    submitted = await post_batch(client, token, csv_file(good_rows(2)))
    assert submitted.status_code == 201, submitted.text
    batch_id = int(submitted.json()["batch"]["id"])
    await reviewed(world, settings, batch_id)
    return batch_id


async def _refused(client: Client, token: str, batch_id: int, body: bytes) -> str:
    """The 400's message; the batch is still not under notice."""
    response = await client.post(f"/v1/batches/{batch_id}/notice", content=body, headers={**JSON, **auth(token)})
    assert response.status_code == 400, response.text
    message: Any = response.json()["error"]
    assert bilingual(message), message
    state = (await client.get(f"/v1/batches/{batch_id}", headers=auth(token))).json()["batch"]["state"]
    assert state != "under_notice", state
    return str(message)


async def test_a_number_sent_as_a_string_is_refused_naming_the_field(
    client: Client, tokens: dict[str, str], world: Database, settings: Settings
) -> None:
    batch_id = await _reviewed_batch(client, world, settings, tokens["institution"])
    message = await _refused(client, tokens["institution"], batch_id, b'{"days":"7"}')
    assert "days" in message, message
    assert "整数" in message, message


async def test_a_body_with_a_byte_order_mark_is_refused(
    client: Client, tokens: dict[str, str], world: Database, settings: Settings
) -> None:
    batch_id = await _reviewed_batch(client, world, settings, tokens["institution"])
    message = await _refused(client, tokens["institution"], batch_id, b'\xef\xbb\xbf{"days":7}')
    assert "BOM" in message, message


async def test_a_body_naming_a_key_twice_is_refused_naming_the_key(
    client: Client, tokens: dict[str, str], world: Database, settings: Settings
) -> None:
    batch_id = await _reviewed_batch(client, world, settings, tokens["institution"])
    message = await _refused(client, tokens["institution"], batch_id, b'{"days":30,"days":7}')
    for word in ("days", "重复", "twice"):
        assert word in message, message
    # each key once: the body is taken
    taken = await client.post(
        f"/v1/batches/{batch_id}/notice",
        content=b'{"days":7,"reason":""}',
        headers={**JSON, **auth(tokens["institution"])},
    )
    assert taken.status_code == 200, taken.text
