"""The events of a batch: subject ``batch:{id}``, actor the caller, in the caller's transaction.

``Batch.state`` is the projection of these events: every service that changes it appends its event in the
same transaction (``registry.events.append_events``), and ``GET /v1/batches/{id}`` shows the history from
them. Event details hold no lists, so row numbers are written as ranges (``1-3,7``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.auth.duties import Step
from issuer.auth.principal import Principal
from issuer.batches.columns import shown_header
from issuer.batches.dto import HistoryEntry
from registry.convert import view_of
from registry.events import DetailValue, EventKind, NewEvent, decode_entry
from registry.models import Batch, Event

#: The events that record each step of :mod:`issuer.auth.duties` (the last one of its kind counts).
_STEP_OF_KIND: Final = {
    EventKind.BATCH_SUBMITTED.value: Step.SUBMIT,
    EventKind.BATCH_RESUBMITTED.value: Step.SUBMIT,
    EventKind.BATCH_CITY_REVIEWED.value: Step.CITY_REVIEW,
    EventKind.BATCH_PROVINCE_APPROVED.value: Step.PROVINCE_REVIEW,
}
#: The events of an upload (their details are its report: file, rows, bad rows, columns not read).
_UPLOADS: Final = frozenset({EventKind.BATCH_SUBMITTED.value, EventKind.BATCH_RESUBMITTED.value})
#: An upload's event names at most this many of the columns it did not read (``ignored_count``: how many).
MAX_RECORDED_IGNORED: Final = 50
_header_list = msgspec.json.Decoder(list[str])


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
    return [view_of(row, HistoryEntry, index=row.idx, details=_details(row.data)) for row in rows]


def ignored_details(ignored: tuple[str, ...]) -> dict[str, DetailValue]:
    """The columns an upload did not read, for its event (nothing when it read every column): details hold no
    lists, so ``ignored_columns`` is a JSON array of the headers as a logged message shows them (a document
    number masked, at most 40 characters: the log is public) — the first :data:`MAX_RECORDED_IGNORED` — and
    ``ignored_count`` says how many there were."""
    if not ignored:
        return {}
    shown = [shown_header(h) for h in ignored[:MAX_RECORDED_IGNORED]]
    return {"ignored_columns": msgspec.json.encode(shown).decode(), "ignored_count": len(ignored)}


def last_upload_ignored(entries: list[HistoryEntry]) -> tuple[list[str], int]:
    """The columns the batch's last upload did not read (:func:`ignored_details`), and how many there were;
    none for a batch uploaded before they were recorded."""
    for entry in reversed(entries):
        if entry.kind in _UPLOADS:
            listed = entry.details.get("ignored_columns")
            if not isinstance(listed, str):
                return [], 0
            headers = _header_list.decode(listed)
            count = entry.details.get("ignored_count")
            return headers, max(count if isinstance(count, int) else 0, len(headers))
    return [], 0


def _details(data: bytes) -> dict[str, Any]:
    return {key: _shown(value) for key, value in decode_entry(data).details.items()}


def _shown(value: Any) -> Any:
    return value.hex() if isinstance(value, bytes) else value


async def step_actors(session: AsyncSession, batch: Batch) -> dict[Step, str]:
    """Who did each step of the batch so far (separation of duties): the actors of its last submission,
    city review and province review; a batch made without a ``batch.submitted`` event (imported by other
    means) counts ``batch.submitted_by`` as its submitter."""
    found: dict[Step, str] = {Step.SUBMIT: batch.submitted_by} if batch.submitted_by else {}
    rows = await session.execute(
        select(Event.kind, Event.actor)
        .where(Event.subject == subject_of(batch.id), Event.kind.in_(list(_STEP_OF_KIND)))
        .order_by(Event.idx)
    )
    for kind, actor in rows:
        found[_STEP_OF_KIND[kind]] = actor
    return found
