"""Which data key seals which chunk of a legacy import, decided before the chunk goes to a worker.

Why not :func:`issuer.identity.sealer.seal_documents` (which picks a key per call in the storing
transaction): the import seals in its worker processes, in pass 1, long before storing, so the key of a
chunk must be known when the chunk is sent. The plan makes the import's own keys (wrapped under the KEK in
this process; a worker gets the wrapped key and unwraps it), a new one whenever the next chunk would take the
current one past ``DataKeyPolicy.max_rows`` values (a chunk larger than that gets a key of its own); and a
key row is stored by the transaction of the first chunk sealed under it that is stored — so a key exists in
the database only once something it sealed does (a refused file stores none).

That transaction stores the key with ``sealed_count`` = every value pass 1 sealed under it: a reservation,
so an upload sealing on the same day (``usable_key`` picks the fullest key with room) never joins a key the
import is still filling past ``max_rows``. A killed import leaves the count above what was stored: the key
only looks fuller than it is (rotated sooner; nothing else reads the count).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from registry.identity.sealing.datakeys import WrappedDataKey
from registry.identity.sealing.ring import DataKeyRing
from registry.identity.sealing.store import count_sealed, store_data_key


class KeyPlan:
    """Data keys for the chunks of one import, in order."""

    def __init__(self, ring: DataKeyRing, *, today: date, max_rows: int) -> None:
        self._ring, self._today, self._max_rows = ring, today, max_rows
        self._keys: list[WrappedDataKey] = []
        self._sealed: dict[str, int] = {}
        self._stored: set[str] = set()

    def key_for(self, rows: int) -> WrappedDataKey:
        """The key of the next chunk of ``rows`` rows (a new one when the current key has no room left)."""
        if not self._keys or self._sealed[self._keys[-1].dk_id] + rows > self._max_rows:
            key = self._ring.new_key(created_on=self._today)
            self._keys.append(key)
            self._sealed[key.dk_id] = 0
        key = self._keys[-1]
        self._sealed[key.dk_id] += rows
        return key

    async def store(self, session: AsyncSession, key: WrappedDataKey) -> None:
        """Store ``key`` with its reservation unless a committed chunk has (call :meth:`stored` after the
        commit)."""
        if key.dk_id not in self._stored:
            await store_data_key(session, key)
            await count_sealed(session, key.dk_id, self._sealed[key.dk_id])

    def stored(self, key: WrappedDataKey) -> None:
        """``key``'s row committed."""
        self._stored.add(key.dk_id)
