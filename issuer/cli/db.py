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

    async def _upgrade() -> tuple[str | None, str | None]:
        async with open_database(settings, check=False) as database:
            before = await current_revision(database.write_engine)
            await upgrade(database.write_engine)
            return before, await current_revision(database.write_engine)

    before, after = run(_upgrade)
    if before == after:  # "already up to date" only when nothing was done
        console.print(
            f"数据库已是最新，无需迁移 / database schema already up to date at revision {after}", soft_wrap=True
        )
    else:
        console.print(
            f"数据库已迁移：{before or '空数据库'} → {after} / "
            f"database migrated from {before or 'an empty database'} to revision {after}",
            soft_wrap=True,
        )


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
