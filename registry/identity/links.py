"""Which sealed identity a certificate belongs to: set once, right after the certificate is stored.

A certificate issued from a batch row shares the row's identity; a successor (补发/换发) that keeps the
holder's document shares its predecessor's. Nothing is sealed again and nothing is decrypted here: this
module only copies an identity id from row to row, so it is not part of :mod:`registry.identity.sealing`.

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

from registry.models import BatchRow, Certificate

_CHUNK: Final = 1000


async def link_batch_identities(session: AsyncSession, batch_id: int) -> None:
    """Every certificate of ``batch_id`` without an identity gets its batch row's (one correlated UPDATE on
    the ``(batch_id, row_no)`` unique index)."""
    from_row = (
        select(BatchRow.holder_identity_id)
        .where(BatchRow.batch_id == Certificate.batch_id, BatchRow.row_no == Certificate.batch_row_no)
        .scalar_subquery()
    )
    await session.execute(
        update(Certificate)
        .where(Certificate.batch_id == batch_id, Certificate.holder_identity_id.is_(None))
        .values(holder_identity_id=from_row)
        .execution_options(synchronize_session=False)
    )


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
