"""Signing and publishing checkpoints of the log with the province's log key (only the issuer holds it).

:func:`publish_checkpoint` signs the current tree head as a C2SP checkpoint and stores it, unless one of that
size exists already. Call it after each batch is issued; :func:`periodic_checkpoints` also runs it every
``checkpoint_interval_seconds`` in the all-in-one app (:func:`issuer.plugin.checkpoint_lifespan` is the
lifespan hook), so revocations and other single events get a signed checkpoint within that interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from issuer.keystore import KeyStore
from keys.errors import KeysError
from registry.config import Settings
from registry.db import Database
from registry.errors import RegistryError
from registry.events import LOG_HEAD_ID
from registry.keyring import load_keyset
from registry.log.checkpoint import Checkpoint as TreeHead
from registry.log.checkpoint import sign_checkpoint
from registry.log.store import StoredCheckpoint, active_log_key
from registry.log.tree import root_at
from registry.models import Checkpoint, LogHead
from verify.tasks import cancel_and_wait

logger = logging.getLogger("certreg.log")
#: How long shutting down waits for a checkpoint being published to finish.
STOP_GRACE_SECONDS = 30.0


async def publish_checkpoint(database: Database, keystore: KeyStore, settings: Settings) -> StoredCheckpoint:
    """Sign and store a checkpoint of the log as it is now; return it (the existing one if the size is
    unchanged). Call it after a batch's transaction has committed: it opens a transaction of its own.

    Takes the ``log_head`` lock, so the size signed is exact and two publishers never race. Raises
    :class:`NotFoundError` without an active log key and a ``KeyFileError`` when its sealed file cannot be
    opened.
    """
    async with database.transaction() as session:
        size = await session.scalar(select(LogHead.size).where(LogHead.id == LOG_HEAD_ID).with_for_update())
        size = int(size or 0)
        existing = await session.get(Checkpoint, size)
        if existing is not None:
            return StoredCheckpoint(
                size=existing.size, root_hash=existing.root_hash, note=existing.note, created_at=existing.created_at
            )
        signer = keystore.open(active_log_key(await load_keyset(session)).kid)
        head = TreeHead(origin=settings.transparency.log_origin, size=size, root_hash=await root_at(session, size))
        note = sign_checkpoint(head, signer)
        row = Checkpoint(size=size, root_hash=head.root_hash, note=note, created_at=datetime.now(UTC))
        session.add(row)
    logger.info("checkpoint published: size %d", size)
    return StoredCheckpoint(size=size, root_hash=head.root_hash, note=note, created_at=row.created_at)


async def publish_after_batch(database: Database, keystore: KeyStore, settings: Settings) -> StoredCheckpoint | None:
    """Publish a checkpoint after a batch committed (DESIGN.md: "published after each batch"); a failure
    (no log key yet, say) is logged, not raised: the batch is committed and the periodic publisher retries."""
    try:
        return await publish_checkpoint(database, keystore, settings)
    except (RegistryError, KeysError, SQLAlchemyError, OSError) as exc:
        logger.warning("checkpoint after the batch not published: %s", _why(exc))
        return None


def _why(exc: Exception) -> str:
    """Our own errors say why in words written for operators; a driver's or the OS's text can quote a row's
    values, so of those only the type is logged (docs/operations.md: no personal data in a log line)."""
    return str(exc) if isinstance(exc, RegistryError | KeysError) else type(exc).__name__


@asynccontextmanager
async def periodic_checkpoints(
    database: Database, keystore: Callable[[], KeyStore], settings: Settings, *, interval: float | None = None
) -> AsyncIterator[asyncio.Task[None]]:
    """Publish a checkpoint now and then every ``interval`` seconds (default the setting) while open.

    ``keystore`` is called at each round, so a key store that cannot open yet (no passphrase) only logs a
    warning and is tried again. Failures never stop the loop; leaving the context stops it after the round
    in flight, if any, has finished.
    """
    period = interval if interval is not None else settings.transparency.checkpoint_interval_seconds
    stop = asyncio.Event()

    async def _loop() -> None:
        while not stop.is_set():
            try:
                await publish_checkpoint(database, keystore(), settings)
            except (RegistryError, KeysError, SQLAlchemyError, OSError) as exc:
                logger.warning("checkpoint not published: %s", _why(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), period)

    task = asyncio.create_task(_loop(), name="certreg-checkpoints")
    try:
        yield task
    finally:
        # Never cancel a publish half-way: a connection cancelled inside its transaction can keep the
        # database's write lock (SQLite) until it is garbage-collected. Let the round in flight finish.
        stop.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), STOP_GRACE_SECONDS)
        except TimeoutError:
            await cancel_and_wait(task)  # a cancellation swallowed on the way is repeated (verify/tasks.py)
