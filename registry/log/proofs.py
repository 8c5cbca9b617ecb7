"""Inclusion and consistency proofs from the stored tree, and the proof a certificate page shows.

Each proof is the list of hashes of the ranges :mod:`registry.log.paths` names, read from the stored nodes
by :func:`registry.log.tree.range_hashes`: two queries, O(log n) rows, whatever the log's size.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.errors import NotFoundError
from registry.log.paths import consistency_ranges, inclusion_ranges
from registry.log.store import latest_checkpoint
from registry.log.tree import range_hashes
from registry.models import Event


async def inclusion_proof(session: AsyncSession, index: int, size: int) -> list[bytes]:
    """RFC 9162 inclusion proof of leaf ``index`` in the tree of ``size`` leaves (``size`` <= the log's).

    Raises :class:`LogRangeError` for an index outside the tree, :class:`LogCorruptError` for a size the
    stored tree does not reach.
    """
    return await range_hashes(session, inclusion_ranges(index, size))


async def inclusion_proofs(
    session: AsyncSession, indices: Sequence[int], size: int
) -> dict[int, tuple[bytes, list[bytes]]]:
    """Leaf hash and inclusion proof of each of ``indices`` (all < ``size``) in the tree of ``size`` leaves,
    in the same two queries as one proof: for the pages of many certificates loaded together."""
    plans = {index: inclusion_ranges(index, size) for index in set(indices)}
    ranges: list[tuple[int, int]] = []
    for index, path in plans.items():
        ranges.append((index, index + 1))
        ranges.extend(path)
    hashes = iter(await range_hashes(session, ranges))
    found: dict[int, tuple[bytes, list[bytes]]] = {}
    for index, path in plans.items():
        leaf = next(hashes)
        found[index] = (leaf, [next(hashes) for _ in path])
    return found


async def consistency_proof(session: AsyncSession, first: int, second: int) -> list[bytes]:
    """RFC 9162 consistency proof from the tree of ``first`` leaves to that of ``second`` (``0 < first``)."""
    return await range_hashes(session, consistency_ranges(first, second))


class ProofView(msgspec.Struct, frozen=True, kw_only=True):
    """A certificate's place in the log, ready to embed in its JSON or page.

    ``tree_size``/``root_hash``/``checkpoint`` are those of the latest signed checkpoint and ``proof`` the
    inclusion proof against it; while the certificate is newer than that checkpoint they are ``None`` and
    ``proof`` is empty (``pending``). Bytes serialise to base64 in JSON.
    """

    log_index: int
    leaf_hash: bytes
    pending: bool
    tree_size: int | None = None
    root_hash: bytes | None = None
    checkpoint: str | None = None
    proof: list[bytes] = msgspec.field(default_factory=list)
    proof_url: str


def proof_url(index: int, size: int | None) -> str:
    """The public route that serves the inclusion proof of leaf ``index``."""
    query = f"index={index}" + (f"&size={size}" if size is not None else "")
    return f"/v1/log/proof/inclusion?{query}"


async def certificate_proof(session: AsyncSession, log_index: int) -> ProofView:
    """The leaf index and inclusion proof (against the latest checkpoint) of the event at ``log_index``.

    One call for the verify pages: ``certificate_proof(session, certificate.log_index)``. Raises
    :class:`NotFoundError` when the log has no such leaf.
    """
    digest = await session.scalar(select(Event.leaf_hash).where(Event.idx == log_index))
    if digest is None:
        raise NotFoundError(f"日志中没有第 {log_index} 条 / no leaf {log_index} in the log")
    latest = await latest_checkpoint(session)
    if latest is None or latest.size <= log_index:
        return ProofView(log_index=log_index, leaf_hash=digest, pending=True, proof_url=proof_url(log_index, None))
    return ProofView(
        log_index=log_index,
        leaf_hash=digest,
        pending=False,
        tree_size=latest.size,
        root_hash=latest.root_hash,
        checkpoint=latest.note,
        proof=await inclusion_proof(session, log_index, latest.size),
        proof_url=proof_url(log_index, latest.size),
    )
