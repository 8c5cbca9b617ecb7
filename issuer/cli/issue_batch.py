"""``certreg issue-batch ID``: issue a batch whose public notice has ended, as a named operator
(the province admin role).

Runs :func:`issuer.issuing.service.issue_batch` — the same transaction as ``POST /v1/batches/{id}/issue`` —
with a progress bar and a one-line log per stage on stderr, then a summary table. Re-running it is safe:
a batch already issued answers its numbers and issues nothing. :func:`issue_with_progress` and
:func:`print_summary` are what ``certreg issue FILE`` reuses after importing a file.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from issuer.auth import Principal, Role
from issuer.auth.operators import operator as find_operator
from issuer.checkpoints import publish_after_batch
from issuer.cli._common import (
    ROW_ID,
    console,
    err_console,
    in_session,
    keystore,
    open_database,
    province,
    run,
    settings_from_env,
)
from issuer.cli.options import operator_option
from issuer.issuing.announce import announcer_from_settings
from issuer.issuing.credentials import CredentialContext
from issuer.issuing.errors import IneligibleError
from issuer.issuing.service import IssueResult, issue_batch
from registry.config import Settings

STAGES = {
    "check": "核对 / checking",
    "sign": "签名 / signing",
    "store": "写入 / writing",
    "done": "完成 / committed",
}


def admin_operator(settings: Settings, name: str | None) -> Principal:
    """The operator ``name`` (default: the login name) in the province admin role."""
    return in_session(settings, lambda session: find_operator(session, name, Role.PROVINCE_ADMIN))


def issue_with_progress(settings: Settings, batch_id: int, operator: Principal) -> tuple[IssueResult, float]:
    """Issue ``batch_id`` as ``operator`` (the province admin, or a city reviewer for special-ability
    batches) with a progress bar on stderr; returns the result and the seconds it took."""
    store = keystore(settings)
    profile = province(settings)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task(STAGES["check"], total=None)
        report = _reporter(bar, task, batch_id)

        async def _issue() -> IssueResult:
            async with open_database(settings) as database, announcer_from_settings(settings) as announce:
                result = await issue_batch(
                    database, store, profile, batch_id, caller=operator, progress=report, announce=announce,
                    credentials=CredentialContext.of(settings, store),
                )  # fmt: skip
                if result.issued_now:
                    await publish_after_batch(database, store, settings)
                return result

        started = time.perf_counter()
        result = run(_issue)
    return result, time.perf_counter() - started


def _reporter(bar: Progress, task: object, batch_id: int) -> Callable[[str, int, int], None]:
    seen: set[str] = set()

    def report(stage: str, done: int, total: int) -> None:
        if stage not in seen:  # one plain line per stage, for logs and for terminals without a bar
            seen.add(stage)
            err_console.print(f"issue-batch {batch_id}: {stage} {STAGES.get(stage, stage)} ({total} rows)")
        bar.update(task, description=STAGES.get(stage, stage), total=total, completed=done)  # type: ignore[arg-type]

    return report


def print_summary(result: IssueResult, seconds: float) -> None:
    """The summary table of one issue call."""
    table = Table(title=f"批次 {result.batch_id} 发证 / batch {result.batch_id} issued", show_header=False)
    table.add_row("本次发证 / issued now", str(len(result.issued_now)))
    table.add_row("批次证书 / certificates of the batch", str(len(result.numbers)))
    table.add_row("暂缓（异议或暂缓发证）/ held (objections, holds)", str(result.held))
    if result.issued_now:
        table.add_row("编号 / numbers", f"{result.issued_now[0]} … {result.issued_now[-1]}")
        table.add_row("发证日期 / issued on", str(result.issued_on))
        table.add_row("发证机构 / authority", f"{result.authority_code} (key {result.kid})")
        table.add_row("用时 / time", f"{seconds:.2f} s ({len(result.issued_now) / seconds:,.0f} rows/s)")
    else:
        table.add_row("说明 / note", "已发证，无新记录 / already issued; nothing new to issue")
    console.print(table)


@click.command("issue-batch")
@click.argument("batch_id", type=ROW_ID)
@operator_option
def issue_batch_command(batch_id: int, operator: str | None) -> None:
    """发证：签发公示期满的批次 / issue batch BATCH_ID (its public notice must have ended)."""
    settings = settings_from_env()
    try:
        result, seconds = issue_with_progress(settings, batch_id, admin_operator(settings, operator))
    except IneligibleError as exc:
        print_problems(exc)
        raise
    print_summary(result, seconds)


def print_problems(exc: IneligibleError) -> None:
    """The rows that stopped the batch, one line each (the error itself follows on stderr)."""
    table = Table(title="不能发证的记录 / rows that cannot be issued")
    for column in ("行 / row", "字段 / field", "规则 / code", "说明 / message"):
        table.add_column(column)
    for problem in exc.problems:
        table.add_row(str(problem.row), problem.field, problem.code, problem.message)
    err_console.print(table)


COMMANDS = [issue_batch_command]
