"""``certreg registry load FILE``: load reference data (regions … filings) from CSV, XLSX or JSON."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from issuer.cli._common import console, open_database, province, run, settings_from_env
from registry.refdata import LoadReport, load_reference_file
from registry.refdata.tables import SPECS


@click.group("registry")
def registry_group() -> None:
    """参考数据 / reference data: regions, authorities, catalogues, institutions, filings."""


@registry_group.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--table",
    type=click.Choice([spec.name for spec in SPECS]),
    help="CSV 文件对应的表（默认按表头识别）/ the table a CSV file holds (default: recognised from its header).",
)
def load(path: Path, table: str | None) -> None:
    """载入登记数据文件 / Load FILE; every bad row is listed and nothing of the file is loaded. Re-loading changes
    nothing."""
    settings = settings_from_env()
    data = path.read_bytes()

    async def _load() -> LoadReport:
        async with open_database(settings) as database:
            return await load_reference_file(
                database,
                data,
                path.name,
                table=table,
                actor="cli:registry-load",
                profile=province(settings),
            )

    print_report(run(_load), path.name)


def print_report(report: LoadReport, name: str) -> None:
    tables = sorted(set(report.added) | set(report.changed) | set(report.unchanged))
    summary = Table(title=f"{name} 载入结果 / loaded")
    summary.add_column("表 / table")
    for heading in ("新增 / added", "更新 / changed", "未变 / unchanged"):
        summary.add_column(heading, justify="right")
    for t in tables:
        summary.add_row(t, str(report.added.get(t, 0)), str(report.changed.get(t, 0)), str(report.unchanged.get(t, 0)))
    console.print(summary)


COMMANDS = [registry_group]
