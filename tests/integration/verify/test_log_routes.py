"""The /v1/log routes of the verify app when the stored log has a hole, their media types, and the link a
certificate page gives to its inclusion proof."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import delete, func, select

from issuer.checkpoints import publish_checkpoint
from registry.append_only import unguarded
from registry.models import Event
from tests.integration.verify.test_log_proofs import ORIGIN
from tests.integration.verify.world import World, verify_app
from tests.support import make_settings

INCOMPLETE = "日志数据不完整 / the log is incomplete"


async def log_with_a_hole(world: World) -> tuple[int, int]:
    """Publish a checkpoint, then delete one leaf row (as a faulty restore would); returns (size, hole)."""
    await publish_checkpoint(world.database, world.store, make_settings(log_origin=ORIGIN))
    async with world.database.transaction() as session, unguarded(session, world.database.dialect):
        size = int((await session.execute(select(func.count()).select_from(Event))).scalar_one())
        hole = size // 2
        await session.execute(delete(Event).where(Event.idx == hole))
    return size, hole


async def test_a_page_of_entries_with_a_missing_leaf_is_a_503_never_a_short_cacheable_page(world: World) -> None:
    size, hole = await log_with_a_hole(world)
    async with AsyncTestClient(verify_app(world.database.url)) as client:
        response = await client.get(f"/v1/log/entries?start=0&end={size}")
        around = await client.get(f"/v1/log/entries?start={hole - 1}&end={hole + 2}")
        before = await client.get(f"/v1/log/entries?start=0&end={hole}")
    for answer in (response, around):
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"] == INCOMPLETE
        assert "immutable" not in answer.headers.get("cache-control", "")
        assert "etag" not in answer.headers
    assert before.status_code == 200, "the entries that are there are still served"
    assert [e["index"] for e in before.json()["entries"]] == list(range(hole))


async def test_a_proof_that_needs_a_missing_leaf_is_a_503_not_a_422(world: World) -> None:
    size, hole = await log_with_a_hole(world)
    async with AsyncTestClient(verify_app(world.database.url)) as client:
        response = await client.get(f"/v1/log/proof/inclusion?index={hole}&size={size}")
    assert response.status_code == 503, response.text
    assert response.json()["error"] == INCOMPLETE


@pytest.mark.parametrize("path", ["/v1/log/checkpoint", "/v1/log/key"])
async def test_text_routes_name_their_charset_once(world: World, path: str) -> None:
    await publish_checkpoint(world.database, world.store, make_settings(log_origin=ORIGIN))
    async with AsyncTestClient(verify_app(world.database.url, log_origin=ORIGIN)) as client:
        response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"


async def test_the_pages_proof_link_names_the_checkpoint_size_the_page_states(world: World) -> None:
    settings = make_settings(log_origin=ORIGIN)
    first = await publish_checkpoint(world.database, world.store, settings)
    async with AsyncTestClient(verify_app(world.database.url, change_poll_seconds=60)) as client:
        page = await client.get("/", params={"number": world.valid.number, "name": "张三"})
        answer = await client.post("/v1/verify", json={"number": world.valid.number, "name": "张三"})
    certificate = answer.json()["certificate"]
    tree_size = first.size
    assert certificate["log_inclusion"]["tree_size"] == tree_size
    assert f"共 {tree_size} 条" in page.text
    link = f"/v1/log/proof/inclusion?index={certificate['log_index']}&amp;size={tree_size}"
    assert link in page.text
    assert certificate["log_proof"] == f"/v1/log/proof/inclusion?index={certificate['log_index']}&size={tree_size}"
