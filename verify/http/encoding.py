"""Request bodies are read as sent: a ``Content-Encoding`` (gzip, br …) is refused with 415, not misread.

No route decodes a compressed body, so a gzip-compressed ``POST /v1/verify/batch`` reached the JSON decoder
as its compressed bytes and was answered 400 "JSON is malformed: invalid character (byte 0)", which sent an
employer looking for a fault in their JSON. RFC 9110 §15.5.16: an unsupported content coding is a 415 that
names the codings accepted in ``Accept-Encoding`` (here only ``identity``).
"""

from __future__ import annotations

from typing import Any, Final

from litestar.types import HTTPResponseBodyEvent, HTTPResponseStartEvent, Receive, Send

from verify.http.middleware import HttpMiddleware
from verify.http.problems import PROBLEM_JSON, problem_bytes

#: Methods whose requests carry no body a route reads; their headers are left alone.
_BODILESS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
_MESSAGE: Final = (
    "不支持压缩的请求体，请直接发送未压缩的内容 / a compressed request body (Content-Encoding) is not supported; "
    "send it uncompressed"
)


def _encoded(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether a ``Content-Encoding`` other than ``identity`` is declared."""
    for name, value in headers:
        if name == b"content-encoding" and any(c.strip() not in (b"", b"identity") for c in value.lower().split(b",")):
            return True
    return False


class RefuseContentEncoding(HttpMiddleware):
    """App-wide middleware: a body-carrying request with a content coding gets the bilingual 415."""

    def takes(self, http: Any) -> bool:
        return http["method"] not in _BODILESS and _encoded(http["headers"])

    async def handle(self, http: Any, receive: Receive, send: Send) -> None:
        body = problem_bytes(415, _MESSAGE)
        headers = [
            (b"content-type", PROBLEM_JSON.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"accept-encoding", b"identity"),
        ]
        start: HTTPResponseStartEvent = {"type": "http.response.start", "status": 415, "headers": headers}
        await send(start)
        end: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
        await send(end)
