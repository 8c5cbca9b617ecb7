"""Cross-origin reads of the public JSON API, so an employer's web page can verify from the browser.

An employer's HR system is often a web page: it calls ``POST /v1/verify`` from the browser, and a verifier of
W3C credentials fetches ``did.json`` and the status lists from whatever origin it runs on. Without CORS headers
the browser hides every answer from that page (and a JSON ``POST`` never leaves it: its preflight ``OPTIONS``
got a bare 204). These routes are public and read-only, take no cookie and hold nothing of the caller's, so any
origin may read them (``Access-Control-Allow-Origin: *``, never with credentials); an API key, when a page
sends one, travels in a header the caller chose to expose.

Only the public JSON API gets the headers (:data:`PUBLIC_API`): the pages need none, and the staff API
(``/v1/batches``, ``/v1/certificates/{number}/revoke`` …) and the console are not meant for other origins, so
their preflight stays the framework's bare answer, which a browser refuses.
"""

from __future__ import annotations

import re
from typing import Any, Final

from litestar.types import ASGIApp, Message, Receive, Scope, Send

#: The verify app's JSON routes (docs/verify.md "Routes"): verdicts, the public view of a number, the key
#: set, credentials and status lists, and the transparency log. ``/v1/certificates/{number}`` only as itself:
#: the issuer's actions live below it.
PUBLIC_API: Final = re.compile(
    r"/v1/(?:verify(?:/batch)?|keys|credentials|certificates/[^/]+|qr/[^/]+(?:/credential)?"
    r"|status/[^/]+/[^/]+|log/[^/]+(?:/[^/]+)?)"
    r"|/authorities/[^/]+/did\.json"
)
#: What a page may send beyond the CORS-safelisted headers: a JSON body and the employer's key.
ALLOWED_HEADERS: Final = b"content-type, x-api-key, authorization, x-request-id"
ALLOWED_METHODS: Final = b"GET, HEAD, POST, OPTIONS"
#: What a page may read beyond the safelisted response headers: when to retry, the key set's validator and
#: the request id to quote to support.
EXPOSED_HEADERS: Final = b"retry-after, etag, x-request-id"
#: A browser may remember a preflight for a day (Chromium caps it at two hours, Firefox at a day).
MAX_AGE: Final = b"86400"


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for key, value in headers:
        if key == name:
            return value
    return None


class PublicCors:
    """App-wide middleware: answers the preflight of a public API route and marks its answers readable."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        http: Any = scope
        if http["type"] != "http" or not PUBLIC_API.fullmatch(http["path"]):
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = http["headers"]
        if _header(headers, b"origin") is None:
            await self.app(scope, receive, send)  # not a cross-origin browser request: nothing to add
            return
        if http["method"] == "OPTIONS" and _header(headers, b"access-control-request-method") is not None:
            await _preflight(send)
            return

        async def send_readable(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", ()),
                    (b"access-control-allow-origin", b"*"),
                    (b"access-control-expose-headers", EXPOSED_HEADERS),
                ]
            await send(message)

        await self.app(scope, receive, send_readable)


async def _preflight(send: Send) -> None:
    """The answer to a preflight: any origin, the methods and headers above, no credentials."""
    await send(
        {
            "type": "http.response.start",
            "status": 204,
            "headers": [
                (b"access-control-allow-origin", b"*"),
                (b"access-control-allow-methods", ALLOWED_METHODS),
                (b"access-control-allow-headers", ALLOWED_HEADERS),
                (b"access-control-max-age", MAX_AGE),
                (b"content-length", b"0"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b"", "more_body": False})
