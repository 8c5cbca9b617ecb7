"""Ready-to-send responses: status, encoded headers and body built once, sent as often as asked.

A :class:`RawResponse` is immutable and holds no per-request state, so the in-process cache hands the same
object to every request that hits it: no encoding, no header building, no allocation on the hot path.
Litestar passes an ASGI response returned by a handler straight to the server.
"""

from __future__ import annotations

import sys
from typing import Any, Final

import msgspec
from litestar.response.base import ASGIResponse
from litestar.types import Receive, Scope, Send

JSON: Final = b"application/json"
HTML: Final = b"text/html; charset=utf-8"
TEXT: Final = b"text/plain; charset=utf-8"

#: Verdicts change when a certificate is revoked and carry personal data: never stored by browsers/proxies.
NO_STORE: Final = (b"cache-control", b"no-store")
#: The pages load nothing from anywhere: only their own inline style (by hash) and same-origin forms.
PAGE_SECURITY: Final = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)


_json_encoder: Final = msgspec.json.Encoder()


def encode_json(value: Any) -> bytes:
    """``value`` as JSON in a bytes object of exactly its length.

    ``msgspec.json.encode`` hands back its growing buffer, up to ~1.5× the body's length: a cached answer
    would hold that slack for as long as it lives (issue 12: 1.9 KB bodies held ~2.3 KB). Encoding into a
    scratch buffer and copying once costs a microsecond on a miss and nothing on a hit.
    """
    buffer = bytearray()
    _json_encoder.encode_into(value, buffer)
    return bytes(buffer)


def footprint(body: bytes, headers: list[tuple[bytes, bytes]]) -> int:
    """Bytes a response's parts hold in memory: the body object, the header list, each header pair and its
    value (names are shared literals). Checked against tracemalloc in tests/integration/verify/cache/
    test_accounting.py."""
    pairs = sum(sys.getsizeof(pair) + sys.getsizeof(pair[1]) for pair in headers)
    return sys.getsizeof(body) + sys.getsizeof(headers) + pairs


class RawResponse(ASGIResponse):
    """A complete HTTP response whose headers are already encoded."""

    __slots__ = ("raw_headers", "size")

    def __init__(self, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
        # ASGIResponse.__init__ would rebuild headers on every construction; set only what sending uses.
        self.status_code = status
        self.body = body
        length = [] if status in (204, 304) else [(b"content-length", str(len(body)).encode())]
        self.raw_headers = [*headers, *length]
        self.background = None
        self.is_head_response = False
        self._encoded_cookies = ()
        self.size = footprint(body, self.raw_headers) + sys.getsizeof(self)

    def encode_headers(self) -> list[tuple[bytes, bytes]]:
        return self.raw_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        await send({"type": "http.response.body", "body": self.body, "more_body": False})


def json_response(body: bytes, *, status: int = 200, extra: tuple[tuple[bytes, bytes], ...] = ()) -> RawResponse:
    """A JSON answer that no cache outside the service may keep."""
    return RawResponse(status, body, [(b"content-type", JSON), NO_STORE, *extra])


def html_response(
    body: bytes,
    csp: bytes,
    *,
    status: int = 200,
    cache: bytes = b"no-store",
    extra: tuple[tuple[bytes, bytes], ...] = (),
) -> RawResponse:
    """A page with the security headers every page carries (``csp`` allows only its inline style)."""
    headers = [(b"content-type", HTML), (b"cache-control", cache), (b"content-security-policy", csp)]
    return RawResponse(status, body, [*headers, *PAGE_SECURITY, *extra])


def retry_after(seconds: int) -> tuple[tuple[bytes, bytes], ...]:
    """The ``Retry-After`` header of a 429 or 503."""
    return ((b"retry-after", str(max(1, seconds)).encode()),)
