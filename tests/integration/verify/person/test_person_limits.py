"""Anti-automation of the person look-up (issue 14): the proof of work of the form, the stricter limit
without it, limits per client address and per document, 429 with Retry-After, shared through Redis and
per process when Redis is down."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.factories import HOLDER_IDS
from tests.integration.verify.person.helpers import OPEN, person_form
from tests.integration.verify.windows import in_one_window, synced
from tests.integration.verify.world import World, verify_app, verify_client
from verify.person.pow import ProofOfWork, leading_zero_bits, solve, work_digest


def test_a_challenge_is_bound_to_its_client_its_inputs_and_its_life() -> None:
    now = [1_000_000.0]
    pow = ProofOfWork(b"k" * 32, 8, clock=lambda: now[0])
    challenge = pow.challenge("ip:1.2.3.4")
    fields = {"id_type": "resident_id", "id_number": HOLDER_IDS[0], "name": "张三"}
    nonce = solve(challenge, bits=8, **fields)
    assert leading_zero_bits(work_digest(challenge, nonce=nonce, **fields)) >= 8
    assert pow.solved("ip:1.2.3.4", challenge, nonce, **fields)
    assert not pow.solved("ip:5.6.7.8", challenge, nonce, **fields), "another address"
    assert not pow.solved("ip:1.2.3.4", challenge, nonce, **(fields | {"id_number": HOLDER_IDS[1]})), "another ID"
    assert not pow.solved("ip:1.2.3.4", challenge.replace(".8.", ".1.", 1), nonce, **fields), "difficulty edited"
    assert not pow.solved("ip:1.2.3.4", challenge, "x1", **fields)
    assert not pow.solved("ip:1.2.3.4", "garbage", nonce, **fields)
    now[0] += 601
    assert not pow.solved("ip:1.2.3.4", challenge, nonce, **fields), "expired"
    harder = ProofOfWork(b"k" * 32, 12, clock=lambda: now[0])
    assert not harder.solved("ip:1.2.3.4", pow.challenge("ip:1.2.3.4"), nonce, **fields), "too easy a challenge"


async def test_without_the_work_the_form_is_answered_under_a_stricter_limit(world: World) -> None:
    limits = OPEN | {"person_nojs_rate_per_minute": 2, "person_rate_per_minute": 5}
    async with verify_client(world.database.url, **limits) as client:
        in_one_window(client.app)  # nine look-ups, five with the work, counted in one window
        for _ in range(2):
            assert (await person_form(client, "张三", HOLDER_IDS[0], work=False)).status_code == 200
        refused = await person_form(client, "张三", HOLDER_IDS[0], work=False)
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        for _ in range(5):  # the work done: the ordinary limit, counted apart
            assert (await person_form(client, "张三", HOLDER_IDS[0])).status_code == 200
        assert (await person_form(client, "张三", HOLDER_IDS[0])).status_code == 429


def from_addresses(app: Litestar) -> Any:
    """``app`` seen from the address named by each request's ``x-test-peer`` header (the test client has one
    address; a real server takes it from the connection)."""

    async def peer_app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            peer = dict(scope["headers"]).get(b"x-test-peer")
            if peer is not None:
                scope = dict(scope, client=(peer.decode(), 40000))
        await app(scope, receive, send)

    return peer_app


async def test_one_document_is_limited_across_every_address(world: World) -> None:
    app = verify_app(world.database.url, **(OPEN | {"person_id_rate_per_minute": 3}))
    body = {"name": "张三", "id_type": "resident_id", "id_number": HOLDER_IDS[0]}
    async with AsyncTestClient(from_addresses(app)) as client:
        in_one_window(app)
        for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
            ok = await client.post("/v1/verify", json=body, headers={"x-test-peer": address})
            assert ok.status_code == 200
        refused = await client.post("/v1/verify", json=body, headers={"x-test-peer": "10.0.0.4"})
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        other = body | {"name": "李四", "id_number": HOLDER_IDS[1]}
        assert (await client.post("/v1/verify", json=other, headers={"x-test-peer": "10.0.0.4"})).status_code == 200
        form = await person_form(client, "张三", HOLDER_IDS[0])
        assert form.status_code == 429
        metrics = (await client.get("/metrics")).text
        assert 'certreg_verify_rate_limited_total{scope="person_id"} 2.0' in metrics


async def test_a_client_address_is_limited_through_the_api(world: World) -> None:
    async with verify_client(world.database.url, **(OPEN | {"person_rate_per_minute": 2})) as client:
        in_one_window(client.app)  # a boundary between them made the third look-up a 200
        for number in HOLDER_IDS[:2]:
            ok = await client.post("/v1/verify", json={"name": "某", "id_type": "resident_id", "id_number": number})
            assert ok.status_code == 200
        refused = await client.post(
            "/v1/verify", json={"name": "某", "id_type": "resident_id", "id_number": HOLDER_IDS[2]}
        )
        assert refused.status_code == 429
        assert refused.json()["error"] == "请求过于频繁 / too many requests"


@pytest.mark.redis
async def test_the_document_limit_is_shared_through_redis_and_kept_per_process_without_it(
    world: World, redis_url: str, redis_prefix: str
) -> None:
    settings = OPEN | {
        "person_id_rate_per_minute": 4,
        "redis_url": redis_url,
        "redis_prefix": redis_prefix,
        "rate_sync_seconds": 0.05,
        "redis_timeout_seconds": 2.0,  # a loaded machine's slow reply is not Redis being down
    }
    body = {"name": "张三", "id_type": "resident_id", "id_number": HOLDER_IDS[0]}
    accepted = 0
    async with (
        verify_client(world.database.url, **settings) as one,
        verify_client(world.database.url, **settings) as two,
    ):
        in_one_window(one.app, two.app)  # eight look-ups over 1.2 s or more, counted in one window
        for _ in range(4):
            for client in (one, two):
                accepted += (await client.post("/v1/verify", json=body)).status_code == 200
                await synced(client.app)  # the worker flushed its count and learnt the shared total
    # Alone each worker would accept 4 (8 in all); shared, at most one more per sync interval slips through.
    assert 4 <= accepted <= 5
    down = OPEN | {"person_id_rate_per_minute": 2, "redis_url": "redis://127.0.0.1:1/0", "redis_prefix": redis_prefix}
    async with verify_client(world.database.url, **down) as alone:
        in_one_window(alone.app)
        assert (await alone.post("/v1/verify", json=body)).status_code == 200
        assert (await alone.post("/v1/verify", json=body)).status_code == 200
        assert (await alone.post("/v1/verify", json=body)).status_code == 429
