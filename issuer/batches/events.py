"""The events of a batch: subject ``batch:{id}``, actor the caller, in the caller's transaction.

``Batch.state`` is the projection of these events: every service that changes it appends its event in the
same transaction (``registry.events.append_events``), and ``GET /v1/batches/{id}`` shows the history from
them. Event details hold no lists, so row numbers are written as ranges (``1-3,7``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.auth.principal import Principal
from issuer.batches.dto import HistoryEntry
from registry.events import DetailValue, NewEvent, decode_entry
from registry.models import Event


def subject_of(batch_id: int) -> str:
    return f"batch:{batch_id}"


def batch_event(
    kind: str,
    batch_id: int,
    caller: Principal,
    *,
    reason: str = "",
    details: Mapping[str, DetailValue] | None = None,
    at: datetime | None = None,
) -> NewEvent:
    return NewEvent(
        kind=kind, subject=subject_of(batch_id), actor=caller.actor, reason=reason, details=dict(details or {}), at=at
    )


async def history(session: AsyncSession, batch_id: int) -> list[HistoryEntry]:
    """Every event of the batch, oldest first (``ix_event_subject_idx``)."""
    rows = await session.scalars(select(Event).where(Event.subject == subject_of(batch_id)).order_by(Event.idx))
    return [
        HistoryEntry(
            index=row.idx,
            kind=row.kind,
            at=row.at,
            actor=row.actor,
            reason=row.reason,
            details={key: _shown(value) for key, value in decode_entry(row.data).details.items()},
        )
        for row in rows
    ]


def _shown(value: Any) -> Any:
    return value.hex() if isinstance(value, bytes) else value
