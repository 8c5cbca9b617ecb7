"""``certreg feed export --since EVENT_ID --out DIR --reason …``: the national exchange feed (docs/feed.md).

Province admin operator; the key passphrase opens the identity KEK (decryption) and the province key (the
manifest's signature). Prints the files written and the ``--since`` of the next export.
"""

from __future__ import annotations

from pathlib import Path

import click

from issuer.cli._common import console, keystore, open_database, province, run, settings_from_env, with_passphrase
from issuer.cli.operators import operator_for
from issuer.cli.options import operator_option, reason_option
from issuer.feed.service import XLSX_MAX_RECORDS, FeedResult, export_feed


@click.group("feed")
def feed_group() -> None:
    """国家库数据交换 / the national exchange feed."""


@feed_group.command("export")
@click.option(
    "--since",
    type=click.IntRange(0, 2**63 - 1),
    default=0,
    show_default=True,
    help="导出此编号之后的事件 / events after this id.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="输出目录 / output directory.",
)
@reason_option
@operator_option
def export_command(since: int, out_dir: Path, reason: str, operator: str | None) -> None:
    """导出证书事件及完整身份（NDJSON、CSV、XLSX 与签名清单）/ export the feed with a signed manifest."""
    settings = with_passphrase(settings_from_env())
    store = keystore(settings)
    profile, caller = province(settings), operator_for(settings, operator)

    async def _export() -> FeedResult:
        async with open_database(settings) as database:
            return await export_feed(
                database, settings, store, profile, caller, since=since, out_dir=out_dir, reason=reason
            )

    result = run(_export)
    for name in result.files:
        console.print(str(out_dir / name))
    if not any(name.endswith(".xlsx") for name in result.files):
        console.print(
            f"未生成 XLSX：超过 {XLSX_MAX_RECORDS} 条，请使用 NDJSON 或 CSV / no XLSX: more than {XLSX_MAX_RECORDS} "
            "records; the NDJSON and the CSV carry them all"
        )
    span = f"{result.since + 1}–{result.last_event}"
    console.print(
        f"{result.records} 条记录，事件 {span}（日志事件 {result.event_id}）；下次导出：--since {result.last_event} / "
        f"{result.records} records, events {span} (log event {result.event_id}); next: --since {result.last_event}"
    )


COMMANDS = [feed_group]
