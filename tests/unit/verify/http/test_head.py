"""The middleware that answers ``HEAD`` with headers only (the test client drops bodies itself, so this is
checked at the ASGI level)."""

from __future__ import annotations

from typing import Any

import pytest

from verify.http.head import HeadWithoutBody


async def app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"10")]})
    await send({"type": "http.response.body", "body": b"01234", "more_body": True})
    await send({"type": "http.response.body", "body": b"56789", "more_body": False})


async def receive() -> Any:
    return {"type": "http.request", "body": b"", "more_body": False}


@pytest.mark.parametrize(("method", "body"), [("HEAD", b""), ("GET", b"0123456789")])
async def test_head_sends_the_start_and_no_body(method: str, body: bytes) -> None:
    sent: list[Any] = []

    async def send(message: Any) -> None:
        sent.append(message)

    scope: Any = {"type": "http", "method": method}
    await HeadWithoutBody(app)(scope, receive, send)
    assert sent[0] == {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"10")]}
    assert b"".join(m["body"] for m in sent[1:]) == body
    assert sent[-1]["more_body"] is False
