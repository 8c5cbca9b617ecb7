"""Batches and their rows in the database: inserts, guarded state changes, row status changes, counts.

A state change is ``UPDATE batch SET state = :new WHERE id = :id AND state IN (:expected)``: of two
concurrent transitions from the same state exactly one matches a row (PostgreSQL re-checks the condition
after the first commits; SQLite serialises writers), and the loser gets a 409, never a double transition.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, Final

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.batches.problems import encode_problems
from issuer.batches.rows import CheckedRow
from issuer.batches.workflow import RowStatus, State, require_state
from registry.errors import NotFoundError
from registry.models import Batch, BatchRow, Institution

_INSERT_CHUNK: Final = 5000
_IN_CHUNK: Final = 1000


async def get_batch(session: AsyncSession, batch_id: int) -> Batch:
    """The batch; raises :class:`NotFoundError` (404)."""
    row = await session.get(Batch, batch_id)
    if row is None:
        raise NotFoundError(f"批次 {batch_id} 不存在 / no batch {batch_id}")
    return row


async def institution_region(session: AsyncSession, code: str) -> str:
    region = await session.scalar(select(Institution.region_code).where(Institution.code == code))
    return region or ""


async def insert_rows(session: AsyncSession, batch_id: int, rows: Sequence[CheckedRow]) -> None:
    """Bulk-insert checked rows (``ok`` without problems, ``bad`` with)."""
    values = [
        {
            "batch_id": batch_id,
            "row_no": r.row_no,
            "holder_name": r.holder_name,
            "holder_id_digest": r.holder_id_digest,
            "holder_id_masked": r.holder_id_masked,
            "subject_code": r.subject_code,
            "level": r.level,
            "status": (RowStatus.BAD if r.problems else RowStatus.OK).value,
            "problems": encode_problems(r.problems),
            "certificate_number": None,
            "holder_identity_id": r.holder_identity_id,
        }
        for r in rows
    ]
    for start in range(0, len(values), _INSERT_CHUNK):
        await session.execute(insert(BatchRow), values[start : start + _INSERT_CHUNK])


async def delete_rows(session: AsyncSession, batch_id: int) -> None:
    """Drop the rows of a submission being replaced (its file hash and counts stay in its event)."""
    await session.execute(delete(BatchRow).where(BatchRow.batch_id == batch_id))


async def status_counts(session: AsyncSession, batch_id: int) -> dict[str, int]:
    rows = await session.execute(
        select(BatchRow.status, func.count()).where(BatchRow.batch_id == batch_id).group_by(BatchRow.status)
    )
    counts: dict[str, int] = {status.value: 0 for status in RowStatus}
    for status, count in rows:
        counts[status] = count
    return counts


async def refresh_counts(session: AsyncSession, batch_id: int) -> dict[str, int]:
    """Recount the rows and store the totals on the batch (what the batch list shows)."""
    counts = await status_counts(session, batch_id)
    await session.execute(
        update(Batch)
        .where(Batch.id == batch_id)
        .values(
            row_count=sum(counts.values()),
            bad_row_count=counts[RowStatus.BAD],
            excluded_count=counts[RowStatus.EXCLUDED],
            held_count=counts[RowStatus.HELD],
        )
    )
    return counts


async def live_levels(session: AsyncSession, batch_id: int) -> list[int]:
    """Distinct levels of the rows still on their way to certificates (``ok`` or ``held``)."""
    rows = await session.scalars(
        select(BatchRow.level)
        .where(BatchRow.batch_id == batch_id, BatchRow.status.in_([RowStatus.OK.value, RowStatus.HELD.value]))
        .distinct()
    )
    return sorted(rows)


async def move_state(
    session: AsyncSession,
    batch: Batch,
    expected: Collection[State],
    new: State | None,
    *,
    action_zh: str,
    action_en: str,
    **values: Any,
) -> None:
    """Change the batch's state (or just lock it, ``new=None``) if it is still in ``expected``.

    Raises :class:`BatchStateError` (409) naming the state it is in when another transaction moved it first.
    """
    require_state(batch.id, batch.state, expected, action_zh=action_zh, action_en=action_en)
    target = (new or State(batch.state)).value
    result = await session.execute(
        update(Batch)
        .where(Batch.id == batch.id, Batch.state.in_([s.value for s in expected]))
        .values(state=target, **values)
        .returning(Batch.id)
        .execution_options(synchronize_session=False)
    )
    if result.scalar_one_or_none() is None:
        current = await session.scalar(select(Batch.state).where(Batch.id == batch.id))
        require_state(batch.id, current or "", expected, action_zh=action_zh, action_en=action_en)
    await session.refresh(batch)


async def rows_with_status(session: AsyncSession, batch_id: int, row_numbers: Collection[int]) -> dict[int, str]:
    """Row number → status for the given numbers that exist in the batch."""
    found: dict[int, str] = {}
    ordered = sorted(row_numbers)
    for start in range(0, len(ordered), _IN_CHUNK):
        rows = await session.execute(
            select(BatchRow.row_no, BatchRow.status).where(
                BatchRow.batch_id == batch_id, BatchRow.row_no.in_(ordered[start : start + _IN_CHUNK])
            )
        )
        found.update(rows.all())
    return found


async def set_status(session: AsyncSession, batch_id: int, row_numbers: Collection[int], status: RowStatus) -> None:
    ordered = sorted(row_numbers)
    for start in range(0, len(ordered), _IN_CHUNK):
        await session.execute(
            update(BatchRow)
            .where(BatchRow.batch_id == batch_id, BatchRow.row_no.in_(ordered[start : start + _IN_CHUNK]))
            .values(status=status.value)
            .execution_options(synchronize_session=False)
        )


async def row_page(
    session: AsyncSession, batch_id: int, *, status: str | None, offset: int, limit: int
) -> tuple[int, list[BatchRow]]:
    """``limit`` rows from ``offset`` in file order (optionally of one status), and how many there are."""
    condition = [BatchRow.batch_id == batch_id]
    if status is not None:
        condition.append(BatchRow.status == status)
    total = await session.scalar(select(func.count()).select_from(BatchRow).where(*condition))
    rows = await session.scalars(
        select(BatchRow).where(*condition).order_by(BatchRow.row_no).offset(offset).limit(limit)
    )
    return int(total or 0), list(rows)


async def find_same_upload(
    session: AsyncSession, *, institution: str, kind: str, assessed_on: Any, sha256: bytes
) -> Batch | None:
    """The latest batch not rejected made from the same file for the same institution, kind and date."""
    return await session.scalar(
        select(Batch)
        .where(
            Batch.institution_code == institution,
            Batch.kind == kind,
            Batch.assessed_on == assessed_on,
            Batch.file_sha256 == sha256,
            Batch.state != State.REJECTED.value,
        )
        .order_by(Batch.id.desc())
        .limit(1)
    )


async def list_batches(
    session: AsyncSession,
    *,
    state: str | None,
    institution: str | None,
    region_prefix: str | None,
    offset: int,
    limit: int,
) -> list[Batch]:
    query = select(Batch)
    if state is not None:
        query = query.where(Batch.state == state)
    if institution is not None:
        query = query.where(Batch.institution_code == institution)
    if region_prefix is not None:
        query = query.join(Institution, Institution.code == Batch.institution_code).where(
            func.substr(Institution.region_code, 1, 4) == region_prefix
        )
    return list(await session.scalars(query.order_by(Batch.id.desc()).offset(offset).limit(limit)))
