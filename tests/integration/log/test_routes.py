"""The public /v1/log routes: what a client gets, verifies, caches — and the 400s for bad parameters."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from issuer.checkpoints import publish_checkpoint
from registry.log.checkpoint import open_checkpoint
from registry.log.merkle import leaf_hash
from registry.log.note import NoteVerifier
from registry.log.verification import verify_consistency, verify_inclusion
from tests.integration.log.conftest import World
from tests.support import make_settings
from verify.app import create_app

ORIGIN = "hrss.hunan.example/certreg"


@pytest.fixture
async def client(world: World) -> AsyncIterator[AsyncTestClient[Litestar]]:
    app = create_app(make_settings(database_url=world.database.url, log_origin=ORIGIN))
    async with AsyncTestClient(app) as test_client:
        yield test_client


def _b64(text: str) -> bytes:
    return base64.b64decode(text)


async def test_before_the_first_checkpoint(world: World, client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/v1/log/checkpoint")
    assert response.status_code == 404
    assert "not published a checkpoint" in response.json()["error"]
    assert (await client.get("/v1/log/proof/inclusion?index=0")).status_code == 404


async def test_a_client_verifies_everything_it_is_served(world: World, client: AsyncTestClient[Litestar]) -> None:
    await world.issue(5)
    first = await publish_checkpoint(world.database, world.store, make_settings(log_origin=ORIGIN))
    await world.issue(300)
    await publish_checkpoint(world.database, world.store, make_settings(log_origin=ORIGIN))

    key = (await client.get("/v1/log/key")).text
    verifier = NoteVerifier.parse(key)
    response = await client.get("/v1/log/checkpoint")
    assert response.headers["content-type"].startswith("text/plain")
    checkpoint = open_checkpoint(response.text, verifier)
    assert checkpoint.size == 3 + 5 + 300

    entries = (await client.get("/v1/log/entries?start=3&end=8")).json()
    assert [e["index"] for e in entries["entries"]] == [3, 4, 5, 6, 7]
    assert entries["entries"][0]["kind"] == "certificate.issued"
    leaf = _b64(entries["entries"][0]["leaf"])
    assert leaf_hash(leaf) == _b64(entries["entries"][0]["leaf_hash"])

    proof = (await client.get("/v1/log/proof/inclusion?index=3")).json()
    assert proof["tree_size"] == checkpoint.size
    verify_inclusion(3, checkpoint.size, leaf_hash(leaf), [_b64(p) for p in proof["proof"]], checkpoint.root_hash)

    view = (await client.get(f"/v1/log/proof/consistency?first={first.size}&second={checkpoint.size}")).json()
    proof_hashes = [_b64(p) for p in view["proof"]]
    verify_consistency(first.size, checkpoint.size, proof_hashes, first.root_hash, checkpoint.root_hash)


async def test_responses_are_cacheable(world: World, client: AsyncTestClient[Litestar]) -> None:
    await publish_checkpoint(world.database, world.store, make_settings(log_origin=ORIGIN))
    fixed = await client.get("/v1/log/proof/inclusion?index=1&size=3")
    assert fixed.headers["cache-control"] == "public, max-age=31536000, immutable"
    moving = await client.get("/v1/log/checkpoint")
    assert moving.headers["cache-control"] == "public, max-age=10"
    again = await client.get("/v1/log/checkpoint", headers={"If-None-Match": moving.headers["etag"]})
    assert (again.status_code, again.content) == (304, b"")
    assert (await client.get("/v1/log/entries?start=0&end=3")).headers["cache-control"].endswith("immutable")
    assert (await client.get("/v1/log/key")).headers["cache-control"] == "public, max-age=300"


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("entries?start=0&end=4", "end <= 3"),  # the log has 3 leaves
        ("entries?start=2&end=2", "start < end"),
        ("entries?start=0&end=1001", "at most 1000"),
        ("entries?start=-1&end=2", "invalid request"),
        ("entries?start=x&end=2", "invalid request"),
        ("entries?end=2", "invalid request"),
        ("proof/inclusion?index=3&size=3", "index must be between 0 and 2"),
        ("proof/inclusion?index=0&size=4", "size must be between 1 and the log's size 3"),
        ("proof/inclusion?index=0&size=0", "invalid request"),
        ("proof/inclusion?index=99999999999999999999999", "invalid request"),
        ("proof/consistency?first=0&second=3", "invalid request"),
        ("proof/consistency?first=3&second=2", "first must be between 1 and second=2"),
        ("proof/consistency?first=1&second=9", "second must be between 1 and the log's size 3"),
    ],
)
async def test_bad_parameters_are_400_in_both_languages(
    world: World,
    client: AsyncTestClient[Litestar],
    query: str,
    says: str,
) -> None:
    await publish_checkpoint(world.database, world.store, make_settings(log_origin=ORIGIN))
    response = await client.get(f"/v1/log/{query}")
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["status"] == 400
    assert says in body["error"]
    assert " / " in body["error"]
