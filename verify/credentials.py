"""Reading the stored standards credentials (docs/credentials.md): a certificate's signed credential and an
authority's signed status list, exactly as the issuer stored them — never rebuilt, never re-signed (a
verify replica holds no private key).

A status list is kept in process for at most :data:`STATUS_LIST_SECONDS` (1 s): the issuer replaces it in
the transaction that revokes or supersedes a certificate, so a verifier sees the bit within the second,
as the verify caches do, while a burst of fetches costs one read per list per second. A credential never
changes once stored, and is read at each request (it comes after the name or token check).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Final, TypeVar

from sqlalchemy import select

from registry.db import Database
from registry.models import Certificate, CertificateCredential, StatusList
from verify.errors import read_or_unavailable

STATUS_LIST_SECONDS: Final = 1.0
T = TypeVar("T")


class CredentialReads:
    """Reads of one worker; every method raises ``ServiceUnavailableError`` when the database cannot answer."""

    def __init__(
        self, database: Database, *, db_timeout: float, retry_after: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.database = database
        self.db_timeout = db_timeout
        self.retry_after = retry_after
        self.clock = clock
        self._lists: dict[tuple[str, int], tuple[float, bytes | None]] = {}

    async def credential(self, number: str) -> tuple[bytes, bytes] | None:
        """The signed statement and the stored credential of ``number``, or ``None`` without a credential."""
        query = (
            select(Certificate.statement, CertificateCredential.credential)
            .join(CertificateCredential, CertificateCredential.number == Certificate.number)
            .where(Certificate.number == number)
        )

        async def read() -> tuple[bytes, bytes] | None:
            async with self.database.read_engine.connect() as conn:
                row = (await conn.execute(query)).first()
            return None if row is None else (row[0], row[1])

        return await self._read(read)

    async def status_list(self, authority_code: str, list_number: int) -> bytes | None:
        """The signed status list credential, at most :data:`STATUS_LIST_SECONDS` old; ``None``: no such list."""
        key = (authority_code, list_number)
        now = self.clock()
        kept = self._lists.get(key)
        if kept is not None and kept[0] > now:
            return kept[1]
        query = select(StatusList.credential).where(
            StatusList.authority_code == authority_code, StatusList.list_number == list_number
        )

        async def read() -> bytes | None:
            async with self.database.read_engine.connect() as conn:
                return (await conn.execute(query)).scalar_one_or_none()

        data = await self._read(read)
        if len(self._lists) > 1024:  # lists are few; a flood of made-up ones must not grow this
            self._lists.clear()
        self._lists[key] = (now + STATUS_LIST_SECONDS, data)
        return data

    async def _read(self, read: Callable[[], Awaitable[T]]) -> T:
        return await read_or_unavailable(read, within=self.db_timeout, retry_after=self.retry_after)
