"""Which data key seals which chunk of a legacy import, decided before the chunk goes to a worker.

Why not :func:`issuer.identity.sealer.seal_documents` (which picks a key per call in the storing
transaction): the import seals in its worker processes, ahead of storing, so the key of a chunk must be
known when the chunk is sent. The plan makes the import's own keys (wrapped under the KEK, made in this
process), ``max_rows // chunk_size`` chunks each (``DataKeyPolicy.max_rows``: at most 100,000 values a key,
one chunk at least), and a key row is stored by the transaction of the first chunk sealed under it — so a
key exists in the database only once something it sealed does.

That first transaction stores the key with ``sealed_count`` = every value the plan will seal under it: a
reservation, so an upload sealing on the same day (``usable_key`` picks the fullest key with room) never
joins a key the import is still filling past ``max_rows``. A killed import leaves the count above what was
sealed: the key only looks fuller than it is (it is rotated sooner; nothing else reads the count).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from registry.identity.sealing.datakeys import WrappedDataKey
from registry.identity.sealing.ring import DataKeyRing
from registry.identity.sealing.store import count_sealed, store_data_key


class KeyPlan:
    """Data keys for ``total`` rows sent in chunks of ``chunk_size`` (the last one shorter), in order."""

    def __init__(self, ring: DataKeyRing, *, today: date, max_rows: int, total: int, chunk_size: int) -> None:
        self._ring, self._today, self._total = ring, today, total
        self._per_key = max(1, max_rows // chunk_size) * chunk_size  # rows a full key holds
        self._keys: list[WrappedDataKey] = []
        self._sent = 0
        self._stored: set[str] = set()

    def key_for(self, rows: int) -> WrappedDataKey:
        """The key of the next chunk of ``rows`` rows (a new one when the current key is full)."""
        if self._sent % self._per_key == 0:
            self._keys.append(self._ring.new_key(created_on=self._today))
        self._sent += rows
        return self._keys[-1]

    def _reserved(self, dk_id: str) -> int:
        at = next(i for i, key in enumerate(self._keys) if key.dk_id == dk_id)
        return max(0, min(self._per_key, self._total - at * self._per_key))

    async def store(self, session: AsyncSession, key: WrappedDataKey) -> None:
        """Store ``key`` with its reservation if no committed chunk has yet (call :meth:`stored` after the
        commit)."""
        if key.dk_id not in self._stored:
            await store_data_key(session, key)
            await count_sealed(session, key.dk_id, self._reserved(key.dk_id))

    def stored(self, key: WrappedDataKey) -> None:
        """``key``'s row committed."""
        self._stored.add(key.dk_id)
