"""The /v1/log routes of the verify app when the stored log has a hole, their media types, and the link a
certificate page gives to its inclusion proof."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import delete, func, select

from issuer.checkpoints import publish_checkpoint
from registry.append_only import unguarded
from registry.models import Event
from tests.integration.verify.test_log_proofs import ORIGIN
from tests.integration.verify.world import World, verify_client
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
    async with verify_client(world.database.url) as client:
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
    async with verify_client(world.database.url) as client:
        response = await client.get(f"/v1/log/proof/inclusion?index={hole}&size={size}")
    assert response.status_code == 503, response.text
    assert response.json()["error"] == INCOMPLETE


@pytest.mark.parametrize("path", ["/v1/log/checkpoint", "/v1/log/key"])
async def test_text_routes_name_their_charset_once(world: World, path: str) -> None:
    await publish_checkpoint(world.database, world.store, make_settings(log_origin=ORIGIN))
    async with verify_client(world.database.url, log_origin=ORIGIN) as client:
        response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"


async def test_the_pages_proof_link_names_the_checkpoint_size_the_page_states(world: World) -> None:
    settings = make_settings(log_origin=ORIGIN)
    first = await publish_checkpoint(world.database, world.store, settings)
    async with verify_client(world.database.url, change_poll_seconds=60) as client:
        page = await client.get("/", params={"number": world.valid.number, "name": "张三"})
        answer = await client.post("/v1/verify", json={"number": world.valid.number, "name": "张三"})
    certificate = answer.json()["certificate"]
    tree_size = first.size
    assert certificate["log_inclusion"]["tree_size"] == tree_size
    assert f"共 {tree_size} 条" in page.text
    link = f"/log/{certificate['log_index']}?size={tree_size}"
    assert f'href="{link}"' in page.text, "the page links to the readable proof"
    json_link = f"/v1/log/proof/inclusion?index={certificate['log_index']}&size={tree_size}"
    assert certificate["log_proof"] == json_link, "machines keep the JSON"
    async with verify_client(world.database.url, change_poll_seconds=60) as client:
        readable = await client.get(link)
        english = await client.get(link + "&lang=en")
        proof = (await client.get(json_link)).json()
        beyond = await client.get(f"/log/{tree_size + 5}?size={tree_size}")
    assert readable.status_code == 200
    assert readable.headers["content-type"].startswith("text/html")
    assert "公开日志收录证明" in readable.text
    assert f"日志第 {certificate['log_index']} 条记录" in readable.text
    assert f"共有 {tree_size} 条记录" in readable.text
    assert "无法事后悄悄删除" in readable.text, "what the proof means, in plain Chinese"
    assert base64.b64decode(proof["root_hash"]).hex() in readable.text, "the same proof as the JSON"
    assert f'href="{json_link.replace("&", "&amp;")}"' in readable.text
    assert first.note.splitlines()[0] in readable.text, "the signed checkpoint is shown"
    assert "Transparency log: proof of inclusion" in english.text
    assert "cannot quietly delete" in english.text
    assert beyond.status_code == 404
    assert "公开日志收录证明" in beyond.text
