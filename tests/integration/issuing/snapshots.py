"""What an issue run leaves in the registry, for tests that check a failed or killed run left nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from registry.db import Database
from registry.models import Batch, BatchRow, Certificate, Event, LogHead, MerkleNode, SequenceCounter


async def issue_state(database: Database, batch_id: int) -> dict[str, object]:
    """Counts of certificates, events and log nodes, the log's size, every sequence counter (scope → next
    value), and batch
    ``batch_id``'s rows still to issue and its state: equal before and after a run that must leave no trace."""
    async with database.reader() as session:
        count = func.count()
        return {
            "certificates": await session.scalar(select(count).select_from(Certificate)),
            "events": await session.scalar(select(count).select_from(Event)),
            "nodes": await session.scalar(select(count).select_from(MerkleNode)),
            "log_size": await session.scalar(select(LogHead.size)),
            "counters": dict((await session.execute(select(SequenceCounter.scope, SequenceCounter.next_value))).all()),
            "rows_ok": await session.scalar(
                select(count).select_from(BatchRow).where(BatchRow.batch_id == batch_id, BatchRow.status == "ok")
            ),
            "state": await session.scalar(select(Batch.state).where(Batch.id == batch_id)),
        }
