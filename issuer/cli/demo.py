"""``certreg demo load``: the demo data set of ``make run``."""

from __future__ import annotations

import click

from issuer.cli._common import console, open_database, run, settings_from_env
from issuer.cli.registry_data import print_report
from issuer.demo import ensure_demo_keys, load_demo_reference
from issuer.keystore import keystore_from_settings


@click.group("demo")
def demo_group() -> None:
    """演示数据 / demo data."""


@demo_group.command("load")
def demo_load() -> None:
    """Load regions, the demo catalogue, institutions and filings, and create the demo keys."""
    settings = settings_from_env()
    store = keystore_from_settings(settings)

    async def _load() -> None:
        async with open_database(settings) as database:
            for name, report in await load_demo_reference(database):
                print_report(report, name)
            kids = await ensure_demo_keys(database, store)
            console.print(f"新建密钥 / keys created: {len(kids)}")

    run(_load)


COMMANDS = [demo_group]
