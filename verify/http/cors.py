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

from litestar.types import Receive, Send

from verify.http.middleware import HttpMiddleware, setting_headers

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
_READABLE: Final = [(b"access-control-allow-origin", b"*"), (b"access-control-expose-headers", EXPOSED_HEADERS)]
#: A browser may remember a preflight for a day (Chromium caps it at two hours, Firefox at a day).
MAX_AGE: Final = b"86400"


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for key, value in headers:
        if key == name:
            return value
    return None


class PublicCors(HttpMiddleware):
    """App-wide middleware: answers the preflight of a public API route and marks its answers readable."""

    def takes(self, http: Any) -> bool:
        """A cross-origin browser request (it names its ``Origin``) to a public API route."""
        return PUBLIC_API.fullmatch(http["path"]) is not None and _header(http["headers"], b"origin") is not None

    async def handle(self, http: Any, receive: Receive, send: Send) -> None:
        if http["method"] == "OPTIONS" and _header(http["headers"], b"access-control-request-method") is not None:
            await _preflight(send)
            return
        await self.app(http, receive, setting_headers(send, _READABLE))


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
