"""Rotating the key-encryption key: every data key re-wrapped, no sealed value touched (``docs/identity.md``).

1. the current KEK file is opened and a new KEK sealed into ``identity.kek.new`` beside it;
2. in one transaction every data-key row is re-wrapped under the new KEK (all or nothing) and the rotation
   is logged (``identity.kek_rotated``: the old and new KEK ids, how many data keys);
3. after the commit the new file replaces the old one (an atomic rename): the old KEK is gone, and with it
   every way to open the old wraps. A failure before the commit removes the new file and changes nothing.

Run it while nothing else seals (a data key made by another process between steps 2 and 3 would stay wrapped
under the old KEK): it is an operator's maintenance step, like rotating a signing key.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import msgspec

from issuer.auth.policy import Action, authorise
from issuer.auth.principal import Principal
from issuer.identity.kek import create_kek, forget, forget_file, kek_path, open_kek
from issuer.issuing.corrections import check_reason
from registry.config import Settings
from registry.db import Database
from registry.events import EventKind, NewEvent, append_event
from registry.identity.sealing.datakeys import rewrap_all
from registry.identity.sealing.store import replace_wrapped, wrapped_keys


class RotationResult(msgspec.Struct, frozen=True, kw_only=True):
    old_kek_id: str
    new_kek_id: str
    data_keys: int
    event_id: int


async def rotate_kek(
    database: Database, settings: Settings, caller: Principal, *, reason: str, new_passphrase: bytes | None = None
) -> RotationResult:
    """Rotate the KEK of the settings (sealing the new one with ``new_passphrase``, default the key passphrase).

    Raises :class:`issuer.errors.Forbidden`, ``InvalidInputError`` (reason), the KEK file errors and the
    sealing errors of :func:`rewrap_all` (a data key that does not open under the current KEK: nothing changes).
    """
    authorise(caller, Action.ROTATE_KEK)
    reason = check_reason(reason)
    old = open_kek(settings)
    path = kek_path(settings)
    staged = path.with_name(path.name + ".new")
    new = create_kek(settings, passphrase=new_passphrase, path=staged)
    try:
        async with database.transaction() as session:
            rows = await wrapped_keys(session)
            await replace_wrapped(session, rewrap_all(rows, old=old, new=new))
            event = NewEvent(
                kind=EventKind.KEK_ROTATED,
                subject=f"kek:{new.kek_id}",
                actor=caller.actor,
                reason=reason,
                details={"old_kek": old.kek_id, "data_keys": len(rows)},
                at=datetime.now(UTC),
            )
            event_id = await append_event(session, event)
    except BaseException:
        forget_file(staged)
        staged.unlink(missing_ok=True)
        raise
    os.replace(staged, path)  # the old KEK file is gone from here on
    forget_file(staged)
    forget(settings)
    return RotationResult(old_kek_id=old.kek_id, new_kek_id=new.kek_id, data_keys=len(rows), event_id=event_id)
