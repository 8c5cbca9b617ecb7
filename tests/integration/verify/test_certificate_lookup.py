"""``GET /v1/certificates/{number}``: the employer's look-up by number (API key): the public view and the
status, never the holder."""

from __future__ import annotations

from tests.integration.verify.test_batch import make_key
from tests.integration.verify.test_query import UNKNOWN
from tests.integration.verify.windows import in_one_window
from tests.integration.verify.world import World, verify_client


async def test_public_view_and_status_without_the_holder(world: World) -> None:
    key = await make_key(world.database)
    headers = {"X-API-Key": key}
    async with verify_client(world.database.url) as client:
        valid = await client.get(f"/v1/certificates/{world.valid.number}", headers=headers)
        assert valid.status_code == 200, valid.text
        body = valid.json()
        assert (body["result"], body["status"]["status"], body["certificate"]["number"]) == (
            "valid", "valid", world.valid.number,
        )  # fmt: skip
        assert "holder_name" not in body["certificate"]
        assert "holder_id_masked" not in body["certificate"]
        assert "张三" not in valid.text
        revoked = (await client.get(f"/v1/certificates/{world.revoked.number}", headers=headers)).json()
        assert (revoked["result"], revoked["status"]["status"]) == ("revoked", "revoked")
        superseded = (await client.get(f"/v1/certificates/{world.superseded.number}", headers=headers)).json()
        assert superseded["status"]["superseded_by"] == world.successor.number


async def test_key_required_unknown_and_malformed_numbers(world: World) -> None:
    key = await make_key(world.database)
    async with verify_client(world.database.url) as client:
        assert (await client.get(f"/v1/certificates/{world.valid.number}")).status_code == 401
        unknown = await client.get(f"/v1/certificates/{UNKNOWN}", headers={"X-API-Key": key})
        assert unknown.status_code == 404
        malformed = await client.get("/v1/certificates/12345", headers={"X-API-Key": key})
        assert malformed.status_code == 400
        assert "invalid certificate number" in malformed.json()["error"]


async def test_each_look_up_counts_against_the_key(world: World) -> None:
    key = await make_key(world.database, rate=2)
    async with verify_client(world.database.url) as client:
        in_one_window(client.app)  # a window's end between them made the third a 200
        codes = [
            (await client.get(f"/v1/certificates/{world.valid.number}", headers={"X-API-Key": key})).status_code
            for _ in range(3)
        ]
    assert codes == [200, 200, 429]
