"""The public key set in process: what QR tokens are checked against and what ``GET /v1/keys`` serves.

Loaded from the database at start-up, reloaded when the change feed sees a ``key.*`` event and at least
every ``keyset_refresh_seconds``. The body and the strong ETag of ``GET /v1/keys`` are computed once per load (the
ready answers are built from them in :mod:`verify.http.keys`). When the database is down the last loaded set
stays in use.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable

from keys.keyset import KeySet
from registry.db import Database
from registry.keyring import load_keyset


class KeySetCache:
    """The current key set, its JSON and its ETag."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.keyset = KeySet()
        self.loaded_at = float("-inf")
        self.body = b"{}"
        self.etag = b'""'

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
        self.body = keyset.to_json()
        self.etag = b'"' + hashlib.sha256(self.body).hexdigest().encode() + b'"'

    def matches(self, if_none_match: str | None) -> bool:
        """Whether ``If-None-Match`` names the current ETag (weak comparison, as RFC 9110 section 13.1.2
        asks) or is ``*``."""
        if if_none_match:
            etag = self.etag.decode()
            for candidate in if_none_match.split(","):
                tag = candidate.strip().removeprefix("W/")
                if tag in (etag, "*"):
                    return True
        return False

    def stale(self, refresh_seconds: float) -> bool:
        return self.clock() - self.loaded_at >= refresh_seconds
