"""Structured logs: JSON lines with a request id, an access log, and never a query string, a name, a
document number or a QR token in any line the server process writes (stderr and stdout, captured whole)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.factories import HOLDER_IDS
from tests.integration.prod.processes import LoggedServe
from tests.integration.verify.world import World

pytestmark = pytest.mark.slow

NAMES = ("张三", "李四", "王五", "赵六")


def _requests(world: World) -> list[tuple[str, str, dict[str, object]]]:
    number = world.valid.number
    return [
        ("GET", f"/?number={number}&name=张三", {}),
        ("GET", f"/?number={number}&name=李四&id={HOLDER_IDS[1]}", {}),
        ("GET", f"/?number=not-a-number&name=王五&doc={HOLDER_IDS[2]}", {}),
        ("GET", f"/Q/{world.valid.token}?lang=en", {}),
        ("GET", f"/q/{world.revoked.token}", {}),
        ("GET", f"/v1/qr/{world.valid.token}", {}),
        ("GET", f"/c/{number}?name=赵六", {}),
        ("POST", "/v1/verify", {"json": {"number": number, "name": "张三"}}),
        ("POST", "/v1/verify", {"json": {"number": HOLDER_IDS[3], "name": "赵六"}}),
        ("POST", "/v1/verify", {"content": f'{{"number": "{HOLDER_IDS[0]}", "name": "张三"'.encode()}),
        ("GET", f"/no/such/张三/{HOLDER_IDS[0]}?name=李四", {}),
        ("GET", f"/v1/certificates/{HOLDER_IDS[1]}?name=王五", {}),
        ("GET", "/health/ready", {}),
    ]


async def test_no_line_holds_a_query_string_name_document_number_or_token(file_world: World, tmp_path: Path) -> None:
    world = file_world
    server = LoggedServe(tmp_path / "server.log", database_url=world.database.url, log_level="DEBUG")
    with server:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
            ids = []
            for method, path, extra in _requests(world):
                response = await client.request(method, path, **extra)  # type: ignore[arg-type]
                assert response.status_code < 500, (path, response.status_code)
                ids.append(response.headers["x-request-id"])
            named = await client.get("/", headers={b"X-Request-ID": "张三".encode()})
            kept = await client.get("/", headers={"X-Request-ID": "lb-7f3a.42"})
    lines = server.lines()
    assert lines, "the server wrote nothing"
    text = "\n".join([*lines, server.output()])
    escaped = json.dumps(list(NAMES))  # a JSON encoder may write names as \\u escapes
    forbidden = [*NAMES, *escaped.strip("[]").replace('"', "").split(", "), *HOLDER_IDS, "name=", "?number", "?"]
    forbidden += [world.valid.token[:24], world.revoked.token[:24], "lang=en"]
    for word in forbidden:
        assert word not in text, f"{word!r} in a log line"
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    access = [r for r in records if r.get("logger") == "certreg.access" and r["route"] != "/health/live"]
    assert len(access) == len(ids) + 2
    assert {r["request_id"] for r in access} >= set(ids)
    assert all(len(i) == 32 for i in ids), "made ids are 128 random bits"
    assert len(named.headers["x-request-id"]) == 32, "a name is no request id: a new one is made"
    assert kept.headers["x-request-id"] == "lb-7f3a.42"
    routes = {r["route"] for r in access}
    assert "/Q/{token}" in routes
    assert "(unrouted)" in routes
    assert all(set(r) >= {"timestamp", "level", "method", "route", "status", "ms", "client"} for r in access)
    assert all(r["client"] == "127.0.0.0/24" for r in access), "a network, not an address"
