"""``certreg audit``: recompute the log and check every certificate, key, filing and checkpoint; exit 0 only
when clean.

The checkpoints it confirmed are kept in a state file of the auditor's own (``--state``, by default
``audit-state.json`` beside the key directory), so that a later audit also checks the log against
checkpoints that were since deleted or re-signed in the database.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click
import msgspec
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from issuer.cli._common import err_console, open_database, run, settings_from_env
from issuer.cli.monitor import save_state
from registry.audit.findings import AuditReport
from registry.audit.run import run_audit
from registry.audit.state import AuditState, remember
from registry.config import Settings

STATE_NAME = "audit-state.json"


class BarProgress:
    """The audit's progress as a bar on stderr (silent when stderr is not a terminal)."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: TaskID | None = None

    def stage(self, name: str, total: int) -> None:
        if self._task is not None:
            self._progress.update(self._task, completed=self._progress.tasks[-1].total)
        self._task = self._progress.add_task(name, total=total)

    def advance(self, count: int) -> None:
        if self._task is not None:
            self._progress.advance(self._task, count)


async def _audit(settings: Settings, progress: BarProgress, state: AuditState) -> AuditReport:
    async with open_database(settings) as database:
        return await run_audit(
            database,
            settings.transparency.log_origin,
            progress,
            state.checkpoints,
            public_url=settings.server.public_url,
        )


def default_state_path(settings: Settings) -> Path:
    """``audit-state.json`` beside the key directory: the deployment's own place, not the database's."""
    return Path(settings.keys.key_dir).resolve().parent / STATE_NAME


def load_audit_state(path: Path, origin: str) -> AuditState:
    """The state file at ``path`` (a new one when there is none); exits 2 when it cannot be used."""
    if not path.exists():
        return AuditState(origin=origin)
    try:
        state = msgspec.json.decode(path.read_bytes(), type=AuditState)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError) as exc:
        fail(f"审计状态文件不可用 / the audit state file {path} cannot be used: {exc}")
    if state.origin != origin:
        fail(f"审计状态文件属于另一个日志 / the audit state file {path} is for the log {state.origin}, not {origin}")
    return state


def fail(message: str) -> NoReturn:
    click.echo(f"无法审计 / cannot audit: {message}", err=True)
    sys.exit(2)


@click.command("audit")
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=f"记录以往审计确认的检查点的文件（默认：密钥目录旁的 {STATE_NAME}）/ "
    f"file of the checkpoints confirmed by earlier audits "
    f"[default: {STATE_NAME} beside the key directory].",
)
def audit_command(state_path: Path | None) -> None:
    """审计登记库 / Audit the registry: the log rebuilt from its events, every certificate, its W3C credential
    (hash against its event, proof against the authority key), status list (bits against the log's
    statuses, proof against the authority key), key, filing and checkpoint (those stored and
    those earlier audits saw).

    Prints each discrepancy as KIND RECORD MESSAGE; exit code 0 when clean, 1 when anything is wrong.
    """
    settings = settings_from_env()
    path = state_path or default_state_path(settings)
    state = load_audit_state(path, settings.transparency.log_origin)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        report = run(lambda: _audit(settings, BarProgress(bar), state))
    for found in report.discrepancies:
        click.echo(f"{found.kind.value}\t{found.record}\t{found.message}")
    if remember(state, report.confirmed):
        try:
            save_state(path, state)
        except OSError as exc:
            fail(f"审计状态文件无法写入 / the audit state file {path} cannot be written: {exc}")
    checked = (
        f"{report.leaves} leaves, {report.certificates} certificates, {report.prints} prints, "
        f"{report.checkpoints} checkpoints ({len(state.checkpoints)} in {path}), "
        f"{report.identity_reads} identity reads, {report.credentials} credentials, {report.status_lists} status lists"
    )
    if report.clean:
        click.echo(f"审计通过 / audit clean: {checked}")
        return
    click.echo(f"发现 {len(report.discrepancies)} 处不一致 / {len(report.discrepancies)} discrepancies in {checked}")
    sys.exit(1)


COMMANDS = [audit_command]
