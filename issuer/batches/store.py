"""Batches and their rows in the database: the ONE module with SQL on the batch tables (issue 11) — inserts,
guarded state changes, row status changes, counts, and the batch side of issuing (lock a batch, read its
``ok`` rows, mark them issued, list its numbers).

A state change is ``UPDATE batch SET state = :new WHERE id = :id AND state IN (:expected)``: of two
concurrent transitions from the same state exactly one matches a row (PostgreSQL re-checks the condition
after the first commits; SQLite serialises writers), and the loser gets a 409, never a double transition.

Issuing locks the batch row (``SELECT … FOR UPDATE``; SQLite's ``BEGIN IMMEDIATE`` locks the whole database)
before anything is read, so two issue calls of one batch run one after the other and the second finds the
rows already issued: that is what makes issuing idempotent under concurrency, not only in sequence.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any, Final, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.batches.problems import encode_problems
from issuer.batches.rows import CheckedRow
from issuer.batches.workflow import PENDING_STATES, RowStatus, State, require_state
from registry.errors import NotFoundError
from registry.lookups import get_or_refuse
from registry.models import Batch, BatchRow, Certificate, HolderIdentity, Institution
from registry.sets import member_of
from registry.vocab import CertificateKind

_INSERT_CHUNK: Final = 5000
_IN_CHUNK: Final = 1000
#: The rows a public notice lists (an objection or a hold does not take a person off the notice).
_ON_NOTICE: Final = (RowStatus.OK.value, RowStatus.HELD.value)

Key = tuple[bytes, str, int]


async def get_batch(session: AsyncSession, batch_id: int) -> Batch:
    """The batch; raises :class:`NotFoundError` (404)."""
    return await get_or_refuse(session, Batch, batch_id, named=("批次", "batch"))


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


async def counts_of(session: AsyncSession, ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Row counts by status of each batch of ``ids`` (a list page's counts in one query)."""
    found: dict[int, dict[str, int]] = {i: {s.value: 0 for s in RowStatus} for i in ids}
    rows = await session.execute(
        select(BatchRow.batch_id, BatchRow.status, func.count())
        .where(BatchRow.batch_id.in_(list(ids)))
        .group_by(BatchRow.batch_id, BatchRow.status)
    )
    for batch_id, status, count in rows:
        found[batch_id][status] = count
    return found


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


async def lock_upload(session: AsyncSession, sha256: bytes) -> None:
    """Queue the transactions that store a batch of this same file (PostgreSQL: a transaction-level advisory
    lock keyed on the file's hash), so the second finds the first's batch with :func:`find_same_upload`
    instead of both inserting; SQLite's ``BEGIN IMMEDIATE`` already runs one writer at a time."""
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(sha256[:8], "big", signed=True)
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


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


async def state_counts(session: AsyncSession, *, institution: str | None, region_prefix: str | None) -> dict[str, int]:
    """How many batches are in each state, within what :func:`list_batches` would list."""
    query = select(Batch.state, func.count()).group_by(Batch.state)
    if institution is not None:
        query = query.where(Batch.institution_code == institution)
    if region_prefix is not None:
        query = query.join(Institution, Institution.code == Batch.institution_code).where(
            func.substr(Institution.region_code, 1, 4) == region_prefix
        )
    return {state: int(count) for state, count in (await session.execute(query)).all()}


#: Key of the PostgreSQL advisory lock that serialises issue calls (any fixed 64-bit number; "certissu").
ISSUE_LOCK_KEY = int.from_bytes(b"certissu", "big") & (2**63 - 1)


async def lock_issuing(session: AsyncSession) -> None:
    """Serialise issue calls until the transaction ends, so that the duplicate check of one sees every
    certificate an earlier one committed. PostgreSQL: a transaction-scoped advisory lock (the batch row
    lock only serialises calls on the same batch); SQLite: ``BEGIN IMMEDIATE`` already holds the database.

    Issue calls already serialise on the event log's head once they store; this moves the wait before
    their checks, so two batches never both pass the same holder."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ISSUE_LOCK_KEY})


async def lock_batch(session: AsyncSession, batch_id: int) -> Batch:
    """The batch, locked until the transaction ends; raises :class:`NotFoundError`."""
    batch = await session.scalar(select(Batch).where(Batch.id == batch_id).with_for_update())
    if batch is None:
        raise NotFoundError(f"批次 {batch_id} 不存在 / no batch {batch_id}")
    return batch


async def ok_rows(session: AsyncSession, batch_id: int) -> list[CheckedRow]:
    """The rows of status ``ok`` (ready to issue), in row order: the same row type as the upload check made
    (they passed it, so no problems and comparable), with their sealed identity's id, which issuing writes
    into each certificate row as it is copied (no second pass over the rows, issue 12)."""
    result = await session.execute(
        select(
            BatchRow.row_no,
            BatchRow.holder_name,
            BatchRow.holder_id_digest,
            BatchRow.holder_id_masked,
            BatchRow.subject_code,
            BatchRow.level,
            BatchRow.holder_identity_id,
        )
        .where(BatchRow.batch_id == batch_id, BatchRow.status == RowStatus.OK.value)
        .order_by(BatchRow.row_no)
    )
    return [
        CheckedRow(
            row_no=row_no,
            holder_name=name,
            holder_id_digest=digest,
            holder_id_masked=masked,
            subject_code=subject,
            level=level,
            problems=[],
            comparable=True,
            holder_identity_id=identity,
        )
        for row_no, name, digest, masked, subject, level, identity in result
    ]


async def count_rows(session: AsyncSession, batch_id: int, status: str) -> int:
    count = await session.scalar(
        select(func.count()).select_from(BatchRow).where(BatchRow.batch_id == batch_id, BatchRow.status == status)
    )
    return int(count or 0)


async def mark_issued(session: AsyncSession, batch_id: int, row_nos: Sequence[int], numbers: Sequence[str]) -> None:
    """Mark the ``ok`` rows ``row_nos`` issued with their certificate ``numbers``.

    PostgreSQL: one ``UPDATE … FROM unnest(rows, numbers)`` driven by the ``(batch_id, row_no)`` unique
    index: 0.4 s for 100,000 rows, against 0.3 s for a bare status update without the numbers (measured,
    see ``bench/issue.py``'s notes). Joining ``certificate`` on ``(batch_id, batch_row_no)`` instead
    made the planner, without statistics for rows inserted in the same transaction, pick a nested loop over
    ``ix_certificate_batch``: quadratic, ten minutes for 100,000 rows. SQLite (the embedded default) runs
    one parameterised ``UPDATE`` per row in-process.

    Raises ``RuntimeError`` — rolling the issue back — when not every row changed: a row would otherwise
    be left ``ok`` next to its certificate.
    """
    if session.get_bind().dialect.name == "postgresql":
        result = await session.execute(_MARK_PG, {"batch": batch_id, "rows": list(row_nos), "numbers": list(numbers)})
        changed: int = result.rowcount  # type: ignore[attr-defined]
    else:
        table = cast(Table, BatchRow.__table__)  # Core: an executemany, not the ORM's bulk update by key
        await session.execute(
            update(table)
            .where(
                table.c.batch_id == batch_id, table.c.row_no == bindparam("row"), table.c.status == RowStatus.OK.value
            )
            .values(status=RowStatus.ISSUED.value, certificate_number=bindparam("number")),
            [{"row": row, "number": number} for row, number in zip(row_nos, numbers, strict=True)],
        )
        changed = len(row_nos) - await count_rows(session, batch_id, RowStatus.OK)
    if changed != len(row_nos):
        raise RuntimeError(f"batch {batch_id}: {changed} rows marked issued, {len(row_nos)} certificates stored")


_MARK_PG = text(
    "UPDATE batch_row SET status = 'issued', certificate_number = v.number "
    "FROM unnest(CAST(:rows AS INTEGER[]), CAST(:numbers AS VARCHAR[])) AS v(row_no, number) "
    "WHERE batch_row.batch_id = :batch AND batch_row.status = 'ok' AND batch_row.row_no = v.row_no"
)


async def batch_numbers(session: AsyncSession, batch_id: int) -> list[str]:
    """The numbers of every certificate issued from the batch, in row order."""
    result = await session.scalars(
        select(Certificate.number).where(Certificate.batch_id == batch_id).order_by(Certificate.batch_row_no)
    )
    return list(result)


async def pending_rows(
    session: AsyncSession, kind: CertificateKind, digests: Iterable[bytes], *, except_batch: int | None
) -> dict[Key, int]:
    """(digest, subject, level) → id of another batch of ``kind`` not yet issued that holds the holder."""
    found: dict[Key, int] = {}
    dialect = session.get_bind().dialect.name
    for condition in member_of(BatchRow.holder_id_digest, sorted(digests), dialect):
        query = (
            select(BatchRow.holder_id_digest, BatchRow.subject_code, BatchRow.level, BatchRow.batch_id)
            .join(Batch, Batch.id == BatchRow.batch_id)
            .where(
                condition,
                BatchRow.status.in_([RowStatus.OK.value, RowStatus.HELD.value]),
                Batch.kind == kind.value,
                Batch.state.in_([s.value for s in PENDING_STATES]),
            )
        )
        if except_batch is not None:
            query = query.where(BatchRow.batch_id != except_batch)
        for digest, subject, level, batch_id in await session.execute(query):
            found.setdefault((digest, subject, level), batch_id)
    return found


async def drop_identities(session: AsyncSession, batch_id: int) -> None:
    """Delete the sealed identities of a batch's rows before the rows are replaced (a resubmission): rows
    never reviewed and never issued, whose sealed numbers nothing else points at."""
    found = [
        i for i in await session.scalars(select(BatchRow.holder_identity_id).where(BatchRow.batch_id == batch_id)) if i
    ]
    await session.execute(
        update(BatchRow)
        .where(BatchRow.batch_id == batch_id)
        .values(holder_identity_id=None)
        .execution_options(synchronize_session=False)
    )
    for start in range(0, len(found), _IN_CHUNK):
        await session.execute(delete(HolderIdentity).where(HolderIdentity.id.in_(found[start : start + _IN_CHUNK])))


async def row_identities(session: AsyncSession, batch_id: int) -> list[tuple[int, str, str, bytes, bool]]:
    """Each live row's number and sealed identity (id, document type, index digest, has a photo), by row:
    what a photo upload matches its files against."""
    query = (
        select(BatchRow.row_no, HolderIdentity.id, HolderIdentity.document_type, HolderIdentity.index_digest,
               HolderIdentity.photo_sealed.is_not(None))
        .join(HolderIdentity, HolderIdentity.id == BatchRow.holder_identity_id)
        .where(BatchRow.batch_id == batch_id, BatchRow.status != RowStatus.EXCLUDED.value)
        .order_by(BatchRow.row_no)
    )  # fmt: skip
    return [(row[0], row[1], row[2], row[3], row[4]) for row in await session.execute(query)]


async def under_notice(session: AsyncSession, batch_id: int) -> Batch | None:
    """The batch if it is under public notice, else ``None``."""
    batch = await session.get(Batch, batch_id)
    return batch if batch is not None and batch.state == State.UNDER_NOTICE else None


async def count_under_notice(session: AsyncSession) -> int:
    """How many batches are under public notice."""
    condition = Batch.state == State.UNDER_NOTICE.value
    return int(await session.scalar(select(func.count()).select_from(Batch).where(condition)) or 0)


async def under_notice_page(session: AsyncSession, *, offset: int, limit: int) -> list[Batch]:
    """``limit`` batches under public notice from ``offset``, newest notice first."""
    batches = await session.scalars(
        select(Batch)
        .where(Batch.state == State.UNDER_NOTICE.value)
        .order_by(Batch.notice_starts_at.desc(), Batch.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(batches)


async def notice_people(
    session: AsyncSession, batch_id: int, *, page: int, per_page: int
) -> tuple[int, int, list[tuple[str, str, int]]]:
    """How many people a batch's notice lists, the page shown (clamped to the pages there are), and that
    page's (name, subject, level) in file order — names in clear: the caller masks them."""
    condition = (BatchRow.batch_id == batch_id, BatchRow.status.in_(_ON_NOTICE))
    people = int(await session.scalar(select(func.count()).select_from(BatchRow).where(*condition)) or 0)
    page = max(1, min(page, max(1, -(-people // per_page))))
    rows = await session.execute(
        select(BatchRow.holder_name, BatchRow.subject_code, BatchRow.level)
        .where(*condition)
        .order_by(BatchRow.row_no)
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return people, page, [(name, code, level) for name, code, level in rows]
