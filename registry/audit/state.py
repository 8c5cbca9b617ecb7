"""What ``certreg audit`` remembers between runs: every checkpoint it confirmed (pure).

Checkpoints in the database are under the control of whoever controls the database: rewrite a leaf, delete
the checkpoint rows and sign a new one, and the stored checkpoints agree with the rewritten log. The
auditor's own file of the checkpoints it saw (the same records a monitor keeps, ``SeenCheckpoint``) is
not, so the next audit checks the log against them too and reports one that is gone or no longer given.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from registry.log.monitor import SeenCheckpoint


class AuditState(msgspec.Struct, kw_only=True):
    """The auditor's state file (JSON): the log's origin and the checkpoints confirmed so far."""

    origin: str
    checkpoints: list[SeenCheckpoint] = msgspec.field(default_factory=list)


def remember(state: AuditState, confirmed: Sequence[SeenCheckpoint]) -> int:
    """Add the ``confirmed`` checkpoints of sizes not seen before (a size seen before keeps its first root:
    that is the evidence); returns how many were added."""
    known = {seen.size for seen in state.checkpoints}
    added = [checkpoint for checkpoint in confirmed if checkpoint.size not in known]
    state.checkpoints.extend(added)
    state.checkpoints.sort(key=lambda seen: seen.size)
    return len(added)
