"""``certreg audit``: recompute the log and check every certificate and checkpoint; exit 0 only when clean."""

from __future__ import annotations

import sys

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from issuer.cli._common import err_console, open_database, run, settings_from_env
from registry.config import Settings
from registry.log.audit import run_audit
from registry.log.findings import AuditReport


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


async def _audit(settings: Settings, progress: BarProgress) -> AuditReport:
    async with open_database(settings) as database:
        return await run_audit(database, settings.log_origin, progress)


@click.command("audit")
def audit_command() -> None:
    """Audit the registry: the log rebuilt from its events, every certificate and every checkpoint.

    Prints each discrepancy as KIND RECORD MESSAGE; exit code 0 when clean, 1 when anything is wrong.
    """
    settings = settings_from_env()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        report = run(lambda: _audit(settings, BarProgress(bar)))
    for found in report.discrepancies:
        click.echo(f"{found.kind.value}\t{found.record}\t{found.message}")
    checked = f"{report.leaves} leaves, {report.certificates} certificates, {report.checkpoints} checkpoints"
    if report.clean:
        click.echo(f"审计通过 / audit clean: {checked}")
        return
    click.echo(f"发现 {len(report.discrepancies)} 处不一致 / {len(report.discrepancies)} discrepancies in {checked}")
    sys.exit(1)


COMMANDS = [audit_command]
