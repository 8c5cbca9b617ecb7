"""The trust page: the log's latest signed checkpoint and what the last ``certreg audit`` confirmed.

The audit keeps the checkpoints it confirmed in its own state file (``audit-state.json`` beside the key
directory, :func:`issuer.cli.audit.default_state_path`); the page reads that file and says whether the
latest checkpoint is among them. An audit that found discrepancies exits non-zero and confirms nothing new,
so a checkpoint "not yet confirmed" is what an operator should look into. Everything shown is public.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import msgspec
from litestar import Request, Response, get

from issuer.cli.audit import default_state_path
from issuer.console.screens.render import render
from issuer.injected import Caller, Runtime
from registry.audit.state import AuditState
from registry.log.monitor import SeenCheckpoint
from registry.log.store import latest_checkpoint, log_size


class AuditSeen(msgspec.Struct, frozen=True, kw_only=True):
    """What the audit state file says: its last confirmed checkpoint, or why it cannot be read."""

    path: str
    last: SeenCheckpoint | None = None
    confirmed: int = 0
    problem: str = ""


def read_audit_state(path: Path, origin: str) -> AuditSeen:
    if not path.exists():
        return AuditSeen(path=path.name, problem="尚无审计记录 / no audit has been recorded yet")
    try:
        state = msgspec.json.decode(path.read_bytes(), type=AuditState)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        return AuditSeen(path=path.name, problem="审计状态文件无法读取 / the audit state file cannot be read")
    if state.origin != origin:
        return AuditSeen(path=path.name, problem="审计状态文件属于另一个日志 / the audit state file is another log's")
    last = max(state.checkpoints, key=lambda seen: seen.size, default=None)
    return AuditSeen(path=path.name, last=last, confirmed=len(state.checkpoints))


@get("/trust", name="console:trust")
async def trust_page(*, request: Request[Any, Any, Any], issuer: Runtime, staff: Caller) -> Response[str]:
    async with issuer.database.reader() as session:
        checkpoint = await latest_checkpoint(session)
        size = await log_size(session)
    audit = read_audit_state(default_state_path(issuer.settings), issuer.settings.transparency.log_origin)
    covered = checkpoint is not None and audit.last is not None and audit.last.size >= checkpoint.size
    return render(request, staff, "trust.html", checkpoint=checkpoint, size=size, audit=audit, covered=covered)


TRUST_SCREENS: Final = [trust_page]
