"""``certreg legacy import FILE --source NAME``: certificates issued before the registry, with their numbers.

Run as the province admin operator; the key passphrase (signing with the province key, sealing identities)
comes from the environment or is typed at the terminal. The file is streamed (checked, then stored), with
worker processes on every core for large files. Every bad row is listed and nothing is stored; a good file is
checked and then stored in chunks, one line on stderr per chunk of each pass, and running it again (after a
kill, say) stores only what is missing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.table import Table

from issuer.cli._common import (
    console,
    err_console,
    keystore,
    open_database,
    province,
    run,
    settings_from_env,
    with_passphrase,
)
from issuer.cli.operators import operator_for
from issuer.cli.options import operator_option
from issuer.legacy.service import DEFAULT_CHUNK, LegacyImportError, LegacyReport, import_legacy


@click.group("legacy")
def legacy_group() -> None:
    """历史证书导入 / certificates issued before the registry."""


@legacy_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", required=True, help="原系统名称 / the old system's name (its declared free formats apply).")
@click.option(
    "--chunk-size",
    type=click.IntRange(1, 100_000),
    default=DEFAULT_CHUNK,
    show_default=True,
    help="每个事务的行数 / rows per transaction.",
)
@click.option(
    "--processes",
    type=click.IntRange(1, 256),
    default=None,
    help="检查与签名的工作进程数（默认每核一个；不足 2 万行不用）/ worker processes that check and sign "
    "(default: one per core; files under 20,000 rows use none).",
)
@operator_option
def import_command(file: Path, source: str, chunk_size: int, processes: int | None, operator: str | None) -> None:
    """导入历史证书（CSV、XLSX、JSON 或 NDJSON）/ import legacy certificates from FILE (CSV, XLSX, JSON or NDJSON)."""
    settings = with_passphrase(settings_from_env())
    store = keystore(settings)
    profile, caller = province(settings), operator_for(settings, operator)

    def progress(done: int, total: int) -> None:
        err_console.print(f"历史证书已存入 / legacy: stored {done}/{total}")

    def checking(rows: int, problems: int) -> None:
        err_console.print(
            f"历史证书已检查 {rows} 行，发现错误 {problems} 处，尚未存入 / legacy: checked {rows} rows "
            f"(problems found: {problems}), nothing stored yet"
        )

    async def _import() -> LegacyReport:
        async with open_database(settings) as database:
            return await import_legacy(
                database, settings, store, profile, caller, path=file, source=source, chunk_size=chunk_size,
                processes=processes, progress=progress, checking=checking,
            )  # fmt: skip

    try:
        report = run(_import)
    except LegacyImportError as exc:
        table = Table(title="有错误的行（未导入任何证书）/ bad rows (nothing imported)")
        for column in ("行 / row", "列 / column", "规则 / code"):
            table.add_column(column)
        # a run of Chinese has no space to wrap at: folded, not cut to "…" (the operator read the English only)
        table.add_column("说明 / message", overflow="fold")
        for problem in exc.problems:
            table.add_row(
                str(problem.row), problem.column, problem.code, f"{problem.message_zh} / {problem.message_en}"
            )
        console.print(table)
        if exc.total > len(exc.problems):
            click.echo(f"… {exc.total - len(exc.problems)} more / 另有 {exc.total - len(exc.problems)} 处", err=True)
        click.echo(f"错误 / error: {exc}", err=True)
        sys.exit(1)
    console.print(
        f"来源 {report.source}：共 {report.rows} 行，新导入 {report.imported}，已存在 {report.already}，其中撤销 "
        f"{report.revoked}（{report.chunks} 个事务）/ source {report.source}: {report.rows} rows, imported "
        f"{report.imported}, already there {report.already}, revoked {report.revoked} ({report.chunks} chunks)"
    )
    for notice in report.notices:
        err_console.print(f"注意 / notice ({notice.code}): {notice.message_zh} / {notice.message_en}")


COMMANDS = [legacy_group]
