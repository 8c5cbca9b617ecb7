"""Every certificate answer carries its issue event's inclusion proof against the latest signed checkpoint."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

from litestar.testing import AsyncTestClient

from issuer.checkpoints import publish_checkpoint
from keys.keyset import KeySet
from registry.keyring import load_keyset
from registry.log.checkpoint import open_checkpoint
from registry.log.note import NoteVerifier
from registry.log.verification import verify_inclusion
from tests.factories import HOLDER_IDS, issue_test_certificates
from tests.integration.verify.world import World, verify_client
from tests.support import make_settings

ORIGIN = "verify.test/log"


def _b64(text: str) -> bytes:
    return base64.b64decode(text)


async def _log_verifier(world: World) -> NoteVerifier:
    async with world.database.reader() as session:
        keyset: KeySet = await load_keyset(session)
    log_key = keyset.active("430000", "log")
    assert log_key is not None
    return NoteVerifier.of(ORIGIN, log_key.raw_public_key)


async def _certificate(client: AsyncTestClient, world: World) -> dict[str, Any]:  # type: ignore[type-arg]
    response = await client.post("/v1/verify", json={"number": world.valid.number, "name": "张三"})
    assert response.status_code == 200
    certificate = response.json()["certificate"]
    assert isinstance(certificate, dict)
    return certificate


async def _answer(client: AsyncTestClient, world: World) -> dict[str, Any]:  # type: ignore[type-arg]
    inclusion = (await _certificate(client, world))["log_inclusion"]
    assert isinstance(inclusion, dict)
    return inclusion


async def test_the_answer_proves_inclusion_and_follows_new_checkpoints(world: World) -> None:
    settings = make_settings(log_origin=ORIGIN)
    async with verify_client(world.database.url, change_poll_seconds=0.05) as client:
        pending = await _answer(client, world)
        assert pending == {"pending": True}

        await publish_checkpoint(world.database, world.store, settings)
        for _ in range(100):  # the change feed notices the checkpoint within a poll or two
            inclusion = await _answer(client, world)
            if not inclusion["pending"]:
                break
            await asyncio.sleep(0.05)
        checkpoint = open_checkpoint(inclusion["checkpoint"], await _log_verifier(world))
        assert checkpoint.size == inclusion["tree_size"]
        assert checkpoint.root_hash == _b64(inclusion["root_hash"])
        certificate = await _certificate(client, world)
        index = certificate["log_index"]
        # the link proves what the answer says: against the checkpoint it names, not whatever is latest later
        assert certificate["log_proof"] == f"/v1/log/proof/inclusion?index={index}&size={checkpoint.size}"
        proof = [_b64(h) for h in inclusion["proof"]]
        verify_inclusion(index, checkpoint.size, _b64(inclusion["leaf_hash"]), proof, checkpoint.root_hash)
        first_size = checkpoint.size

        await issue_test_certificates(world.database, world.store, [("赵六", HOLDER_IDS[3])])
        await publish_checkpoint(world.database, world.store, settings)
        for _ in range(100):
            inclusion = await _answer(client, world)
            if inclusion["tree_size"] != first_size:
                break
            await asyncio.sleep(0.05)
        assert inclusion["tree_size"] > first_size, "cached answers move to the newest checkpoint"
        page = await client.get("/", params={"number": world.valid.number, "name": "张三"})
    assert f"共 {inclusion['tree_size']} 条" in page.text
