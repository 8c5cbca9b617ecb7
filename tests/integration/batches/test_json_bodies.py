"""JSON bodies are read as sent: a string where the route takes a number is refused (it was coerced, so
``{"days": "7"}`` started a 7-day notice), and so are a body that starts with a UTF-8 BOM and one that names a
key twice (which of the two values counts is the decoder's choice, not the client's). Each is a bilingual
400 naming what is wrong, and nothing is done (docs/verify.md, "Routes")."""

from __future__ import annotations

from typing import Any

import pytest

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


#: A body the route must refuse, and words its message must hold.
REFUSED = {
    "a number sent as a string": (b'{"days":"7"}', ("days", "整数")),
    "a byte order mark": (b'\xef\xbb\xbf{"days":7}', ("BOM",)),
    "a key named twice": (b'{"days":30,"days":7}', ("days", "重复", "twice")),
}


@pytest.mark.parametrize(("body", "words"), REFUSED.values(), ids=REFUSED.keys())
async def test_a_body_read_one_way_only_or_not_at_all(
    client: Client, tokens: dict[str, str], world: Database, settings: Settings, body: bytes, words: tuple[str, ...]
) -> None:
    batch_id = await _reviewed_batch(client, world, settings, tokens["institution"])
    message = await _refused(client, tokens["institution"], batch_id, body)
    for word in words:
        assert word in message, message
    # the same request written plainly is taken
    taken = await client.post(
        f"/v1/batches/{batch_id}/notice",
        content=b'{"days":7,"reason":""}',
        headers={**JSON, **auth(tokens["institution"])},
    )
    assert taken.status_code == 200, taken.text
