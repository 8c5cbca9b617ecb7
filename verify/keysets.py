"""The public key set in process: what QR tokens are checked against and what ``GET /v1/keys`` serves.

Loaded from the database at start-up, reloaded when the change feed sees a ``key.*`` event and at least
every ``keyset_refresh_seconds``. The ``GET /v1/keys`` answers (200 with a strong ETag, and 304) are built
once per load. When the database is down the last loaded set stays in use.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable

from keys.keyset import KeySet
from registry.db import Database
from registry.keyring import load_keyset
from verify.http.responses import JSON, RawResponse


class KeySetCache:
    """The current key set, its JSON and the two ready answers of ``GET /v1/keys``."""

    def __init__(self, *, max_age: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_age = max_age
        self.clock = clock
        self.keyset = KeySet()
        self.loaded_at = float("-inf")
        self.etag = b'""'
        self.ok = RawResponse(200, b"{}", [])
        self.not_modified = RawResponse(304, b"", [])

    async def load(self, database: Database, *, seconds: float) -> bool:
        """Reload from the database; returns whether the set changed. Raises what the database raises."""
        async with asyncio.timeout(seconds), database.reader() as session:
            keyset = await load_keyset(session)
        first = self.loaded_at == float("-inf")
        self.loaded_at = self.clock()
        if keyset == self.keyset and not first:
            return False
        self.set(keyset)
        return True

    def set(self, keyset: KeySet) -> None:
        self.keyset = keyset
        body = keyset.to_json()
        self.etag = b'"' + hashlib.sha256(body).hexdigest().encode() + b'"'
        headers = [
            (b"etag", self.etag),
            (b"cache-control", f"public, max-age={self.max_age}".encode()),
            (b"vary", b"accept-encoding"),
        ]
        self.ok = RawResponse(200, body, [(b"content-type", JSON), *headers])
        self.not_modified = RawResponse(304, b"", headers)

    def answer(self, if_none_match: str | None) -> RawResponse:
        """200 with the set, or 304 when ``If-None-Match`` names the current ETag (weak comparison, as
        RFC 9110 section 13.1.2 asks) or is ``*``."""
        if if_none_match:
            etag = self.etag.decode()
            for candidate in if_none_match.split(","):
                tag = candidate.strip().removeprefix("W/")
                if tag in (etag, "*"):
                    return self.not_modified
        return self.ok

    def stale(self, refresh_seconds: float) -> bool:
        return self.clock() - self.loaded_at >= refresh_seconds
