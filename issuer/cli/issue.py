"""``certreg issue FILE``: named operators run a results file through the batch workflow at the server.

Same import and checks as ``POST /v1/batches``, with a progress bar; then the reviews and the start of the
public notice, each by the operator named for it, in that step's role and apart from the others (the same
policy and separation of duties as the API: ``--submitter``, ``--city-reviewer``, ``--province-reviewer``,
``--issuer``; recorded as ``cli:<name>:<role>:<org>``). The notice is never skipped (rule 8): the first run
ends with the batch under notice and says from when it can be issued; running it again with the same file
continues the same batch and, once the notice has ended, issues it (numbers, signatures, a checkpoint).
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from issuer.auth import Principal
from issuer.batches.importer import Progress as ProgressCallback
from issuer.batches.operator import Crew, Outcome, crew_member, run_issue
from issuer.batches.submission import Upload
from issuer.batches.workflow import RowStatus, State, issuable_problem
from issuer.cli._common import (
    ISO_DATE,
    console,
    err_console,
    in_session,
    open_database,
    province,
    run,
    settings_from_env,
    with_passphrase,
)
from issuer.cli.batches import show_detail
from issuer.cli.issue_batch import issue_with_progress, print_problems, print_summary
from issuer.issuing.errors import IneligibleError
from registry.calendar import province_time_text
from registry.config import Settings
from registry.vocab import CertificateKind

_STAGES = {"read": "读取文件 read", "check": "检查各行 check", "store": "保存 store"}


def _progress_callback(progress: Progress) -> ProgressCallback:
    """One bar per stage of the import (read, check, store), filled as the pipeline reports."""
    tasks: dict[str, TaskID] = {}

    def report(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = progress.add_task(_STAGES.get(stage, stage), total=max(total, 1))
        progress.update(tasks[stage], completed=done, total=max(total, 1))

    return report


@click.command("issue")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--institution", required=True, help="成绩所属机构编码 / code of the institution the results belong to.")
@click.option(
    "--kind", type=click.Choice([k.value for k in CertificateKind]), required=True, help="证书类别 / certificate kind."
)
@click.option("--assessed-on", required=True, type=ISO_DATE, help="考核日期 / assessment date, YYYY-MM-DD.")
@click.option(
    "--exclude-bad",
    is_flag=True,
    help="排除问题行（记录理由）后继续 / exclude bad rows (recorded with a reason) and go on without them.",
)
@click.option(
    "--submitter",
    default=None,
    help="代机构提交的操作人 / operator who submits for the institution (and starts the notice).",
)
@click.option(
    "--city-reviewer",
    default=None,
    help="做初审的市州中心操作人 / operator of the city centre who does the first review.",
)
@click.option(
    "--province-reviewer",
    default=None,
    help="做复审的省中心操作人 / operator of the province centre who does its review.",
)
@click.option(
    "--issuer",
    "issuer_name",
    default=None,
    help="发证的操作人（省中心管理员；专项能力证书为市州中心）/ operator who issues (province admin; the city centre"
    " for special-ability certificates).",
)
def issue_command(
    *,
    file: Path,
    institution: str,
    kind: str,
    assessed_on: date,
    exclude_bad: bool,
    submitter: str | None,
    city_reviewer: str | None,
    province_reviewer: str | None,
    issuer_name: str | None,
) -> None:
    """一步完成导入、审核、公示与发证 / Import FILE (CSV or XLSX), review it, start its public notice and — once the
    notice has ended (run the same command again then) — issue it, each step by the operator named for
    it (no one does two reviews or issues what they submitted)."""
    settings = with_passphrase(settings_from_env())
    data = file.read_bytes()
    if len(data) > settings.issuing.max_upload_bytes:
        err_console.print(
            f"错误 / error: 文件超过上限 / {file.name} is larger than {settings.issuing.max_upload_bytes} bytes"
        )
        sys.exit(2)
    upload = Upload(
        data=data,
        file_name=file.name,
        institution=institution,
        kind=CertificateKind(kind),
        assessed_on=assessed_on,
    )

    crew = Crew(
        submitter=submitter, city_reviewer=city_reviewer, province_reviewer=province_reviewer, issuer=issuer_name
    )

    async def _run() -> Outcome:
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=err_console, transient=False) as progress:
            report = _progress_callback(progress)
            async with open_database(settings) as database:
                return await run_issue(
                    database,
                    settings,
                    crew,
                    upload,
                    profile=province(settings),
                    exclude_bad=exclude_bad,
                    progress=report,
                )

    outcome = run(_run)
    _report(outcome)
    if outcome.done and _ready_to_issue(outcome):
        try:
            result, seconds = issue_with_progress(settings, outcome.batch_id, _issuer(settings, crew, upload))
        except IneligibleError as exc:
            print_problems(exc)
            sys.exit(1)
        print_summary(result, seconds)
    sys.exit(0 if outcome.done else 1)


def _issuer(settings: Settings, crew: Crew, upload: Upload) -> Principal:
    """The ``--issuer`` operator as a principal (the city centre's role for a special-ability batch)."""
    return in_session(
        settings,
        lambda session: crew_member(session, crew, "issuer", institution=upload.institution, kind=upload.kind),
    )


def _ready_to_issue(outcome: Outcome) -> bool:
    """Whether the batch may be issued now (the notice has ended, rows are ready): the run's last step."""
    batch = outcome.detail.batch
    counts: dict[str, int] = {
        RowStatus.OK: batch.counts.ok,
        RowStatus.BAD: batch.counts.bad,
        RowStatus.HELD: batch.counts.held,
    }
    problem = issuable_problem(
        batch_id=batch.id, state=batch.state, notice_ends_at=batch.notice_ends_at, counts=counts, now=datetime.now(UTC)
    )
    return problem is None


def _report(outcome: Outcome) -> None:
    batch = outcome.detail.batch
    verb = "新建 / created" if outcome.created else "继续 / continued"
    console.print(f"批次 {batch.id}：{verb}；步骤 / steps: {', '.join(outcome.steps)}")
    show_detail(outcome.detail, history=False)
    if batch.counts.bad:
        console.print(
            "改正文件后再次运行，或加 --exclude-bad 剔除错误行 / correct the file and run again, or pass "
            "--exclude-bad to leave the bad rows out"
        )
    if batch.state == State.UNDER_NOTICE and batch.notice_ends_at is not None:
        starts = province_time_text(batch.notice_starts_at or batch.notice_ends_at)
        ends = province_time_text(batch.notice_ends_at)
        console.print(
            f"公示期 {starts} 至 {ends}；公示期满且无未处理异议后方可发证（规则8） / under public notice until {ends}: "
            "the batch can be issued once the notice has ended with no objection outstanding (rule 8)"
        )


COMMANDS = [issue_command]
