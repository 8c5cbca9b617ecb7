"""``HEAD`` on the ``GET`` routes: what ``GET`` answers, without the body."""

from __future__ import annotations

import pytest

from issuer.checkpoints import publish_checkpoint
from tests.integration.verify.test_log_proofs import ORIGIN
from tests.integration.verify.world import World, verify_client
from tests.support import make_settings

#: Headers that may differ between two answers to the same request.
VOLATILE = {"date", "x-request-id"}  # a request id is new per request


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/?lang=en",
        "/q/{token}",
        "/Q/{token}?lang=en&x=1",
        "/c/{number}",
        "/v1/qr/{token}",
        "/v1/keys",
        "/v1/log/checkpoint",
        "/v1/log/key",
        "/v1/log/entries?start=0&end=2",
        "/health/live",
        "/health/ready",
        "/metrics",
        "/schema",  # the API documents (litestar's own routes, GET only: they answered 405)
        "/schema/redoc",
        "/schema/openapi.json",
        "/schema/assets/redoc.standalone.js",
    ],
)
async def test_head_answers_like_get_without_a_body(world: World, path: str) -> None:
    await publish_checkpoint(world.database, world.store, make_settings(log_origin=ORIGIN))
    url = path.format(token=world.valid.token, number=world.valid.number)
    async with verify_client(world.database.url) as client:
        got = await client.get(url)
        head = await client.head(url)
    assert got.status_code == 200, got.text
    assert head.status_code == 200, head.text
    assert head.content == b""
    same = {k: v for k, v in got.headers.items() if k not in VOLATILE}
    if path == "/metrics":  # the counters moved between the two requests
        same.pop("content-length")
    assert {k: v for k, v in head.headers.items() if k in same} == same
