"""The upload limit holds on a real server when the client announces no length (chunked upload)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import uvicorn

from issuer.app import create_app
from issuer.auth import Role, create_token
from registry.db import Database
from tests.factories import SKILL_INSTITUTION
from tests.support import make_settings

BOUNDARY = "certregboundary"


def _multipart_head() -> bytes:
    fields = {"institution": SKILL_INSTITUTION, "kind": "skill_level", "assessed_on": "2025-06-01"}
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\n')
    return "".join(parts).encode()


async def _chunks(total: int) -> AsyncIterator[bytes]:
    yield _multipart_head() + "姓名,身份证号,职业编码,等级\r\n".encode()
    sent = 0
    while sent < total:
        yield b"x" * 65536
        sent += 65536
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


async def test_a_chunked_upload_past_the_limit_is_cut_off_with_413(sqlite_world: Database, sqlite_url: str) -> None:
    async with sqlite_world.transaction() as session:
        token = await create_token(session, org_code=SKILL_INSTITUTION, role=Role.INSTITUTION)
    app = create_app(make_settings(database_url=sqlite_url, max_upload_bytes=100_000))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", ws="none"))
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:  # uvicorn offers a flag, not an event, to wait on
            if serving.done():
                serving.result()  # start-up failed: raise its error
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            response = await client.post(
                "/v1/batches",
                content=_chunks(2_000_000),
                headers={
                    "Authorization": f"Bearer {token}",
                    "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
                },
            )
        assert "content-length" not in response.request.headers  # nothing announced: the stream was cut
        assert response.status_code == 413
        assert response.json()["code"] == "upload.too_large"
    finally:
        server.should_exit = True
        await serving
