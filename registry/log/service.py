"""What the public ``/v1/log`` routes answer: checked parameters in, msgspec views out.

Every parameter is checked against the log as it stands; anything outside it raises :class:`LogRangeError`
(HTTP 400) with a bilingual message saying what the valid range is.
"""

from __future__ import annotations

from typing import Final

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from registry.errors import NotFoundError
from registry.log.errors import LogRangeError
from registry.log.paths import consistency_ranges, inclusion_ranges
from registry.log.store import EntryView, StoredCheckpoint, latest_checkpoint, log_size, read_entries
from registry.log.tree import range_hashes

MAX_ENTRIES: Final = 1000


class EntriesPage(msgspec.Struct, frozen=True, kw_only=True):
    start: int
    end: int  # exclusive
    tree_size: int
    entries: list[EntryView]


class InclusionView(msgspec.Struct, frozen=True, kw_only=True):
    index: int
    tree_size: int
    leaf_hash: bytes
    root_hash: bytes
    proof: list[bytes]


class ConsistencyView(msgspec.Struct, frozen=True, kw_only=True):
    first: int
    second: int
    first_root: bytes
    second_root: bytes
    proof: list[bytes]


async def require_checkpoint(session: AsyncSession) -> StoredCheckpoint:
    """The latest checkpoint; raises :class:`NotFoundError` before the first one is published."""
    latest = await latest_checkpoint(session)
    if latest is None:
        raise NotFoundError("日志尚未发布检查点 / the log has not published a checkpoint yet")
    return latest


async def _size_within_log(session: AsyncSession, name: str, size: int, minimum: int) -> None:
    current = await log_size(session)
    if not minimum <= size <= current:
        raise LogRangeError(
            f"{name} 须在 {minimum} 到 {current} 之间，收到 {size} / {name} must be between {minimum} and the "
            f"log's size {current}, got {size}"
        )


async def entries_page(session: AsyncSession, start: int, end: int) -> EntriesPage:
    """Leaves ``[start, end)``: at most :data:`MAX_ENTRIES`, all within the log."""
    size = await log_size(session)
    if not 0 <= start < end <= size or end - start > MAX_ENTRIES:
        raise LogRangeError(
            f"条目范围须满足 0 <= start < end <= {size} 且最多 {MAX_ENTRIES} 条，收到 start={start}, end={end} / "
            f"entries need 0 <= start < end <= {size} (the log's size) and at most {MAX_ENTRIES} of them, "
            f"got start={start}, end={end}"
        )
    return EntriesPage(start=start, end=end, tree_size=size, entries=await read_entries(session, start, end))


async def inclusion_view(session: AsyncSession, index: int, size: int | None) -> InclusionView:
    """The inclusion proof of leaf ``index`` at ``size`` (default: the latest checkpoint's size)."""
    if size is None:
        size = (await require_checkpoint(session)).size
    await _size_within_log(session, "size", size, 1)
    if not 0 <= index < size:
        raise LogRangeError(
            f"index 须在 0 到 {size - 1} 之间，收到 {index} / index must be between 0 and {size - 1}, got {index}"
        )
    ranges = inclusion_ranges(index, size)
    *proof, leaf, root = await range_hashes(session, [*ranges, (index, index + 1), (0, size)])
    return InclusionView(index=index, tree_size=size, leaf_hash=leaf, root_hash=root, proof=proof)


async def consistency_view(session: AsyncSession, first: int, second: int | None) -> ConsistencyView:
    """The consistency proof from ``first`` to ``second`` leaves (default: the latest checkpoint's size)."""
    if second is None:
        second = (await require_checkpoint(session)).size
    await _size_within_log(session, "second", second, 1)
    if not 1 <= first <= second:
        raise LogRangeError(
            f"first 须在 1 到 {second} 之间，收到 {first} / first must be between 1 and second={second}, got {first}"
        )
    ranges = consistency_ranges(first, second)
    *proof, first_root, second_root = await range_hashes(session, [*ranges, (0, first), (0, second)])
    return ConsistencyView(first=first, second=second, first_root=first_root, second_root=second_root, proof=proof)
