"""The SQL of the person look-up: one statement by the ``ix_certificate_holder`` index.

:func:`fetch_person` selects the same columns as a certificate view (:mod:`verify.queries`: names of the
occupation or project, institution and authority, the latest status event) for every certificate whose
``holder_id_digest`` is the index asked for; the digest is the leading column of ``ix_certificate_holder``,
so it is an index range scan on SQLite and PostgreSQL alike. No log proofs: each certificate links to its
own page, which carries one. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from registry.models import Certificate
from verify.decoys import DECOY_ROW
from verify.queries import _view_of, _views
from verify.views import CertificateView

_CHUNK: Final = 500
_by_holder: Final = _views.where(Certificate.holder_id_digest == bindparam("digest")).order_by(
    Certificate.issued_on.desc(), Certificate.number
)
_by_holders: Final = (
    _views.add_columns(Certificate.holder_id_digest)
    .where(Certificate.holder_id_digest.in_(bindparam("digests", expanding=True)))
    .order_by(Certificate.issued_on.desc(), Certificate.number)
)
_digests: Final = select(Certificate.number, Certificate.holder_id_digest).where(
    Certificate.number.in_(bindparam("numbers", expanding=True))
)


async def fetch_person(conn: AsyncConnection, digest: bytes) -> list[CertificateView]:
    """The views of every certificate held under ``digest``, newest first (log proofs left out).

    With none, a decoy row is decoded just the same and dropped, so "nobody" costs what "somebody" costs
    (:mod:`verify.decoys`)."""
    rows = (await conn.execute(_by_holder, {"digest": digest})).all()
    if not rows:
        _view_of(DECOY_ROW)
        return []
    return [_view_of(row) for row in rows]


async def fetch_persons(conn: AsyncConnection, digests: Sequence[bytes]) -> dict[bytes, list[CertificateView]]:
    """:func:`fetch_person` for several persons in one statement per 500 (the misses of one turn of the
    event loop, :mod:`verify.person.cache`); a decoy row is decoded for each person without any."""
    found: dict[bytes, list[CertificateView]] = {digest: [] for digest in digests}
    wanted = sorted(found)
    for start in range(0, len(wanted), _CHUNK):
        for row in await conn.execute(_by_holders, {"digests": wanted[start : start + _CHUNK]}):
            found[bytes(row[-1])].append(_view_of(row[:-1]))
    for views in found.values():
        if not views:
            _view_of(DECOY_ROW)
    return found


async def digests_of(conn: AsyncConnection, numbers: Sequence[str]) -> dict[str, bytes]:
    """``number → holder index`` of those of ``numbers`` the registry holds (the change feed's map from a
    changed certificate to the person whose answer it ends)."""
    found: dict[str, bytes] = {}
    wanted = sorted(set(numbers))
    for start in range(0, len(wanted), _CHUNK):
        result = await conn.execute(_digests, {"numbers": wanted[start : start + _CHUNK]})
        found.update((str(number), bytes(digest)) for number, digest in result)
    return found
