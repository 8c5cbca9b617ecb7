"""``certreg batches list|show``: the batches and their row reports, as a province admin sees them."""

from __future__ import annotations

from datetime import datetime

import click
from rich.table import Table

from issuer.auth import Role
from issuer.auth.operators import operator
from issuer.batches import reports
from issuer.batches.dto import BatchDetail, BatchSummary
from issuer.batches.workflow import RowStatus, State
from issuer.cli._common import (
    ROW_ID,
    console,
    echo_json_lines,
    json_option,
    open_database,
    province,
    run,
    settings_from_env,
)
from registry.calendar import province_time_text


def when(moment: datetime | None) -> str:
    return province_time_text(moment) if moment else "—"


def summary_table(batches: list[BatchSummary], *, title: str) -> Table:
    """One line per batch; the counts as ok/bad/excluded/held/issued."""
    table = Table(title=title)
    for heading in (
        "id",
        "机构 institution",
        "类别 kind",
        "考核日期",
        "状态 state",
        "ok/bad/excl/held/issued",
        "公示截止",
    ):
        table.add_column(heading, overflow="fold")
    for b in batches:
        c = b.counts
        numbers = f"{c.ok}/{c.bad}/{c.excluded}/{c.held}/{c.issued}"
        table.add_row(
            str(b.id), b.institution_code, b.kind, b.assessed_on.isoformat(), b.state, numbers, when(b.notice_ends_at)
        )
    return table


def batch_table(b: BatchSummary) -> Table:
    """One batch, field by field."""
    table = Table(title=f"批次 batch {b.id}", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    c = b.counts
    for field, value in (
        ("机构 institution", f"{b.institution_name} ({b.institution_code})"),
        ("类别 kind", b.kind),
        ("考核日期 assessed on", b.assessed_on.isoformat()),
        ("状态 state", f"{b.state_zh} ({b.state})"),
        ("行 rows", f"{c.total}: ok {c.ok}, bad {c.bad}, excluded {c.excluded}, held {c.held}, issued {c.issued}"),
        ("文件 file", b.file_name),
        ("提交 submitted", f"{when(b.created_at)} {b.submitted_by}"),
        ("公示 notice", f"{when(b.notice_starts_at)} – {when(b.notice_ends_at)}"),
    ):
        table.add_row(field, value)
    return table


def rows_table(detail: BatchDetail, *, title: str) -> Table:
    table = Table(title=title)
    headings = (
        "行 row",
        "状态",
        "姓名 name",
        "身份证号",
        "职业/项目",
        "等级",
        "证书编号 / 印制流水码",
        "问题 problems",
    )
    for heading in headings:
        # a number or serial folded in two cannot be copied: that column keeps its width, the others fold
        whole = heading == headings[6]
        table.add_column(heading, overflow="fold", no_wrap=whole, min_width=22 if whole else None)
    for r in detail.rows.items:
        problems = "\n".join(f"[{p.column or p.field}] {p.code}: {p.message_zh}" for p in r.problems)
        issued = f"{r.certificate_number}\n{r.print_serial or '—'}" if r.certificate_number else "—"
        table.add_row(
            str(r.row), r.status, r.holder_name, r.holder_id_masked, r.subject_code, str(r.level or "—"), issued,
            problems,
        )  # fmt: skip
    return table


def history_table(detail: BatchDetail) -> Table:
    table = Table(title="历史 history")
    for heading in ("#", "时间 (UTC+8)", "事件 event", "操作人 actor", "理由 reason"):
        table.add_column(heading, overflow="fold")
    for h in detail.history:
        table.add_row(str(h.index), when(h.at), h.kind, h.actor, h.reason)
    return table


@click.group("batches")
def batches_group() -> None:
    """成绩批次 / batches of assessment results."""


@batches_group.command("list")
@click.option(
    "--state",
    type=click.Choice([s.value for s in State]),
    default=None,
    help="只列出此状态的批次 / only batches in this state.",
)
@click.option("--institution", default=None, help="只列出此机构的批次 / only batches of this institution code.")
@click.option(
    "--limit",
    type=click.IntRange(1, reports.MAX_PAGE),
    default=reports.DEFAULT_PAGE,
    show_default=True,
    help="最多列出几个 / at most this many batches.",
)
@json_option
def batches_list(state: str | None, institution: str | None, limit: int, as_json: bool) -> None:
    """列出批次（新的在前）/ list batches, newest first."""
    settings = settings_from_env()

    async def _list() -> list[BatchSummary]:
        async with open_database(settings) as database:
            async with database.reader() as session:
                caller = await operator(session, None, Role.PROVINCE_REVIEWER)
            found = await reports.list_batches(
                database, caller, state=State(state) if state else None, institution=institution, limit=limit
            )
            return found.items

    batches = run(_list)
    if as_json:
        echo_json_lines(batches)
        return
    if not batches:
        console.print("没有批次 / no batches")
        return
    console.print(summary_table(batches, title="批次 batches"))


@batches_group.command("show")
@click.argument("batch_id", type=ROW_ID)
@click.option(
    "--status",
    type=click.Choice([s.value for s in RowStatus]),
    default=None,
    help="只显示此状态的行 / only rows of this status.",
)
@click.option(
    "--limit",
    type=click.IntRange(1, reports.MAX_PAGE),
    default=50,
    show_default=True,
    help="最多显示几行 / at most this many rows.",
)
def batches_show(batch_id: int, status: str | None, limit: int) -> None:
    """查看批次 / Show a batch: state, counts, what it waits for, its rows (a page) and its history."""
    settings = settings_from_env()

    async def _show() -> BatchDetail:
        async with open_database(settings) as database:
            async with database.reader() as session:
                caller = await operator(session, None, Role.PROVINCE_REVIEWER)
            return await reports.batch_detail(
                database,
                province(settings),
                caller,
                batch_id,
                status=RowStatus(status) if status else None,
                limit=limit,
            )

    detail = run(_show)
    show_detail(detail)


def show_detail(detail: BatchDetail, *, history: bool = True) -> None:
    console.print(batch_table(detail.batch))
    console.print(f"下一步 / next: {detail.next_step}")
    if detail.ignored_columns:
        more = len(detail.ignored_columns) < detail.ignored_count
        console.print(
            f"未读取的列 / columns not read: {', '.join(detail.ignored_columns)}"
            + (f" … ({detail.ignored_count})" if more else "")
            + "（其内容未导入；如有应导入的数据，请按模板改正列名后重新提交 / nothing in them was imported: name a "
            "column as the template does if it holds what the import should read)",
            markup=False,
        )
    page = detail.rows
    title = f"行 rows {page.offset + 1}–{page.offset + len(page.items)} / {page.total}"
    if page.items:
        console.print(rows_table(detail, title=title))
    if history:
        console.print(history_table(detail))


COMMANDS = [batches_group]
