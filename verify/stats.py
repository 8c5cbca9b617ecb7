"""The registry's state as gauges: checkpoint age, batches by state, certificates issued and revoked.

Read from the database (the replica when there is one) every ``metrics_refresh_seconds`` by each worker and
kept here; the gauges read the last values (multiprocess mode ``max``: every worker reads the same thing).
Counts of events are read, not counted in process, so they are right across workers, restarts and the CLI.
Three small aggregate queries on indexed columns (``event.kind``, ``batch.state``, ``checkpoint.size``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import func, select

from registry.db import Database
from registry.events import EventKind
from registry.models import Batch, Checkpoint, Event

logger = logging.getLogger("certreg.verify.stats")

_COUNTED = (EventKind.CERTIFICATE_ISSUED.value, EventKind.CERTIFICATE_REVOKED.value)


class RegistryStats:
    """The last values read; ``-1`` for the checkpoint age until one was read (or none exists yet)."""

    def __init__(self) -> None:
        self.checkpoint_at: datetime | None = None
        self.batches: dict[str, float] = {}
        self.certificates: dict[str, float] = {"issued": 0.0, "revoked": 0.0}

    def checkpoint_age(self) -> float:
        if self.checkpoint_at is None:
            return -1.0
        return max(0.0, (datetime.now(UTC) - self.checkpoint_at).total_seconds())

    async def load(self, database: Database) -> None:
        async with database.reader() as session:
            latest = await session.scalar(select(Checkpoint.created_at).order_by(Checkpoint.size.desc()).limit(1))
            batches = (await session.execute(select(Batch.state, func.count()).group_by(Batch.state))).all()
            events = (
                await session.execute(
                    select(Event.kind, func.count()).where(Event.kind.in_(_COUNTED)).group_by(Event.kind)
                )
            ).all()
        if latest is not None and latest.tzinfo is None:
            latest = latest.replace(tzinfo=UTC)
        self.checkpoint_at = latest
        # a state no batch is in any more reads 0, not its last count
        self.batches = dict.fromkeys(self.batches, 0.0) | {state: float(n) for state, n in batches}
        counts = {kind: float(n) for kind, n in events}
        self.certificates = {kind.split(".", 1)[1]: counts.get(kind, 0.0) for kind in _COUNTED}


async def run_stats(stats: RegistryStats, database: Database, *, interval: float, seconds: float) -> None:
    """Reload ``stats`` every ``interval`` seconds until cancelled; a database failure keeps the old values."""
    while True:
        try:
            async with asyncio.timeout(seconds):
                await stats.load(database)
        except Exception as exc:  # noqa: BLE001 - metrics never take the worker down
            logger.debug("registry stats not read: %s", type(exc).__name__)
        await asyncio.sleep(interval)


async def run_refresh(refresh: Callable[[], None], *, interval: float) -> None:
    """Call ``refresh()`` every ``interval`` seconds (multiprocess gauges) until cancelled."""
    while True:
        refresh()
        await asyncio.sleep(interval)
