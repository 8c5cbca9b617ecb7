"""``certreg db upgrade|check``: migrate the registry's schema, or check it is current."""

from __future__ import annotations

from pathlib import Path

import click

from issuer.cli._common import console, open_database, run, settings_from_env
from registry.schema import check_schema, current_revision, head_revision, upgrade


@click.group("db")
def db_group() -> None:
    """数据库结构 / database schema."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to this code's schema (creates a SQLite file and its folder if needed)."""
    settings = settings_from_env()
    if settings.database_url.startswith("sqlite"):
        path = settings.database_url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)

    async def _upgrade() -> str | None:
        async with open_database(settings, check=False) as database:
            await upgrade(database.write_engine)
            return await current_revision(database.write_engine)

    revision = run(_upgrade)
    console.print(f"数据库已是最新 / database schema at revision {revision}")


@db_group.command("check")
def db_check() -> None:
    """Exit 0 when the schema is current; otherwise say what to run (exit 2)."""
    settings = settings_from_env()

    async def _check() -> None:
        async with open_database(settings, check=False) as database:
            await check_schema(database.write_engine)

    run(_check)
    console.print(f"数据库结构最新 / schema current ({head_revision()})")


COMMANDS = [db_group]
