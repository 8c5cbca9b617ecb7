"""``certreg demo load``: the demo data set of ``make run``."""

from __future__ import annotations

import click

from issuer.checkpoints import publish_after_batch
from issuer.cli._common import console, keystore, open_database, province, run, settings_from_env
from issuer.cli.registry_data import print_report
from issuer.demo import (
    check_demo_preconditions,
    demo_link_lines,
    demo_staff_lines,
    ensure_demo_keys,
    ensure_demo_staff,
    issue_demo_certificates,
    load_demo_reference,
)
from issuer.demo_links import demo_links, demo_links_file


@click.group("demo")
def demo_group() -> None:
    """演示数据 / demo data."""


@demo_group.command("load")
def demo_load() -> None:
    """载入演示数据 / Load regions, the demo catalogue, institutions and filings, create the demo keys and issue the
    demo
    certificates (one valid, one revoked, one reissued)."""
    settings = settings_from_env()
    store = keystore(settings)
    check_demo_preconditions(settings, store)  # before anything is loaded or created

    async def _load() -> None:
        async with open_database(settings) as database:  # reachable and migrated, checked before any write
            for name, report in await load_demo_reference(database):
                print_report(report, name)
            kids = await ensure_demo_keys(database, store)
            console.print(f"新建密钥 / keys created: {len(kids)}")
            demo = await issue_demo_certificates(database, store, settings, province(settings))
            if demo is not None:
                links = demo_links_file(settings)
                links.parent.mkdir(parents=True, exist_ok=True)
                links.write_text("\n".join(demo_link_lines(demo)) + "\n", encoding="utf-8")
                console.print(
                    f"演示证书 / demo certificates: {demo.valid} (valid), {demo.revoked} (revoked), "
                    f"{demo.superseded} → {demo.successor} (reissued)"
                )
                for line in demo_links(settings):  # plain echo: a link stays on one line, percent-encoded
                    click.echo(line)
            await publish_after_batch(database, store, settings)
            for line in demo_staff_lines(await ensure_demo_staff(database, settings), settings.server.public_url):
                click.echo(line)

    run(_load)


COMMANDS = [demo_group]
