"""One verdict for one certificate, whatever the route: after `certreg keys compromised KID --at now`, the QR
page, the QR JSON, `POST /v1/verify`, the `/` form and the batch API all say "cannot be verified —
key_compromised" for a certificate that key signed today, though each had answered "valid" from its caches
just before (issue 10, item 3)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from click.testing import CliRunner
from litestar.testing import AsyncTestClient

from issuer.cli import main
from registry.statement import decode_statement
from tests.integration.verify.test_batch import make_key
from tests.integration.verify.test_qr import verdict_of
from tests.integration.verify.world import World, verify_client
from tests.support import ID_HASH_KEY


async def every_route(client: AsyncTestClient, world: World, api_key: str) -> dict[str, tuple[str, str]]:  # type: ignore[type-arg]
    """(result, reason) of the valid certificate on every route that gives a verdict."""
    number, name, token = world.valid.number, "张三", world.valid.token
    page = await client.get(f"/q/{token}")
    page_en = await client.get(f"/Q/{token}?lang=en")
    qr_json = (await client.get(f"/v1/qr/{token}")).json()
    verify = (await client.post("/v1/verify", json={"number": number, "name": name})).json()
    keyed = (
        await client.post("/v1/verify", json={"number": number, "name": name}, headers={"X-API-Key": api_key})
    ).json()
    form = await client.get("/", params={"number": number, "name": name})
    form_en = await client.get("/", params={"number": number, "name": name, "lang": "en"})
    batch = await client.post(
        "/v1/verify/batch", json={"items": [{"number": number, "name": name}]}, headers={"X-API-Key": api_key}
    )
    (item,) = batch.json()["results"]
    return {
        "qr page": verdict_of(page.text),
        "qr page en": verdict_of(page_en.text),
        "qr json": (qr_json["result"], qr_json["reason"]),
        "verify": (verify["result"], verify["reason"]),
        "verify with key": (keyed["result"], keyed["reason"]),
        "form": verdict_of(form.text),
        "form en": verdict_of(form_en.text),
        "batch": (item["result"], item["reason"]),
    }


def compromise_now(world: World, kid: str, key_dir: Path) -> str:
    env = {"CERTREG_DATABASE_URL": world.database.url, "CERTREG_ID_HASH_KEY": ID_HASH_KEY, "CERTREG_REDIS_URL": ""}
    env |= {"CERTREG_KEY_DIR": str(key_dir)}
    args = ["keys", "compromised", kid, "--at", "now", "--reason", "密钥文件失窃 / key file stolen"]
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 0, result.output
    return result.output


async def test_a_compromised_key_gives_the_same_verdict_on_every_route(world: World, tmp_path: Path) -> None:
    kid = decode_statement(world.valid.statement).kid
    api_key = await make_key(world.database)
    async with verify_client(world.database.url, change_poll_seconds=0.1) as client:
        for _ in range(2):  # from the database, then from the caches
            before = await every_route(client, world, api_key)
            assert set(before.values()) == {("valid", "valid")}, before
        output = await asyncio.to_thread(compromise_now, world, kid, tmp_path / "keys")
        assert "marked compromised" in output
        deadline = time.monotonic() + 10
        while (await client.get(f"/v1/qr/{world.valid.token}")).json()["reason"] != "key_compromised":
            assert time.monotonic() < deadline, "the key set was never reloaded"
            await asyncio.sleep(0.1)
        for _ in range(2):
            after = await every_route(client, world, api_key)
            assert set(after.values()) == {("not_genuine", "key_compromised")}, after
        page = await client.get("/", params={"number": world.valid.number, "name": "张三"})
    assert "签发密钥已泄露" in page.text
