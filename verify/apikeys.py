"""Employer API keys on the read path: where a request carries one, and which key it is.

A key is a random secret shown once by ``certreg apikeys create``; the database keeps only its SHA-256.
Look-ups are remembered per worker for ``api_key_cache_seconds`` (unknown keys too, so random keys cannot
make every request a database query); a revocation is announced on Redis and forgotten at once.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import KW_ONLY, dataclass, field
from typing import Final

from registry.db import Database
from verify.errors import read_or_unavailable
from verify.queries import ApiKeyRecord, fetch_api_key

KEY_PREFIX: Final = "crk_"
MAX_KEY_LENGTH: Final = 128
_REMEMBERED: Final = 10_000


def generate_api_key() -> str:
    """A new secret: the prefix (so leaked keys are recognisable) and 256 random bits."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(key: str) -> bytes:
    """What the database stores for ``key``."""
    return hashlib.sha256(key.encode("utf-8")).digest()


def key_from_headers(headers: Mapping[str, str]) -> str | None:
    """The key of ``X-API-Key`` or ``Authorization: Bearer …``; ``None`` when neither is present."""
    key = headers.get("x-api-key")
    if key:
        return key.strip()
    authorization = headers.get("authorization", "")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


@dataclass(eq=False, repr=False)
class ApiKeyResolver:
    """Turns a presented key into its record (``None`` for unknown or revoked keys)."""

    database: Database
    _: KW_ONLY
    ttl: float
    db_timeout: float
    retry_after: int
    clock: Callable[[], float] = time.monotonic
    _known: dict[bytes, tuple[ApiKeyRecord | None, float]] = field(default_factory=dict, init=False)

    def remembered(self, key: str) -> tuple[bool, ApiKeyRecord | None]:
        """``(True, record)`` when the look-up of ``key`` is remembered (no database query), else
        ``(False, None)``."""
        if not key or len(key) > MAX_KEY_LENGTH:
            return True, None
        known = self._known.get(hash_api_key(key))
        if known is not None and known[1] > self.clock():
            return True, known[0]
        return False, None

    async def resolve(self, key: str) -> ApiKeyRecord | None:
        """The record of ``key``; raises :class:`ServiceUnavailableError` when the database cannot say."""
        if not key or len(key) > MAX_KEY_LENGTH:
            return None
        digest = hash_api_key(key)
        known = self._known.get(digest)
        if known is not None and known[1] > self.clock():
            return known[0]

        async def read() -> ApiKeyRecord | None:
            async with self.database.read_engine.connect() as conn:
                return await fetch_api_key(conn, digest)

        record = await read_or_unavailable(read, within=self.db_timeout, retry_after=self.retry_after)
        if len(self._known) >= _REMEMBERED:
            self._known.clear()
        self._known[digest] = (record, self.clock() + self.ttl)
        return record

    def forget(self, key_id: int) -> None:
        """Drop the remembered look-up of key ``key_id`` (it was revoked)."""
        self._known = {d: v for d, v in self._known.items() if v[0] is None or v[0].id != key_id}
