"""Which sealed identity a successor certificate belongs to: set once, right after it is stored.

A certificate issued from a batch row shares the row's identity, written with the row itself
(``store_certificates(holder_identity_ids=…)`` from ``issuer.issuing.writer``: a second pass rewriting every
row of a 100,000-row batch cost 7–9 s, issue 12); a successor (补发/换发) that keeps the holder's document
shares its predecessor's, copied here. Nothing is sealed again and nothing is decrypted here: this module
only copies an identity id from row to row, so it is not part of :mod:`registry.identity.sealing`.

The link is not in the signed statement nor in the issue event's row digest (adding a field to that digest
would change the digest of every certificate stored before); ``certreg audit`` checks it instead: the
identity's index and mask must be the certificate's (:mod:`registry.audit.identities`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from registry.models import Certificate

_CHUNK: Final = 1000


async def link_successor_identities(session: AsyncSession, numbers: Sequence[str]) -> None:
    """Successors among ``numbers`` whose holder digest is their predecessor's get its identity."""
    old = aliased(Certificate)
    from_old = (
        select(old.holder_identity_id)
        .where(old.number == Certificate.supersedes, old.holder_id_digest == Certificate.holder_id_digest)
        .scalar_subquery()
    )
    for start in range(0, len(numbers), _CHUNK):
        await session.execute(
            update(Certificate)
            .where(
                Certificate.number.in_(numbers[start : start + _CHUNK]),
                Certificate.supersedes.is_not(None),
                Certificate.holder_identity_id.is_(None),
            )
            .values(holder_identity_id=from_old)
            .execution_options(synchronize_session=False)
        )
