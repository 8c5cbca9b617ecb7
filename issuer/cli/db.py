"""``certreg db upgrade|check|roles``: migrate the registry's schema, check it is current, create the
least-privilege roles (registry/dbroles.py)."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import text

from issuer.cli._common import console, open_database, run, settings_from_env
from registry.config import SettingsError
from registry.db import sqlite_file
from registry.dbroles import role_statements
from registry.schema import check_schema, check_sqlite_path, current_revision, head_revision, upgrade


@click.group("db")
def db_group() -> None:
    """数据库结构 / database schema."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """迁移数据库 / Migrate the database to this code's schema (creates a SQLite file and its folder if needed)."""
    settings = settings_from_env()
    check_sqlite_path(settings.database.database_url)
    path = sqlite_file(settings.database.database_url)
    if path is not None:  # the one command that makes a SQLite database (every other refuses a missing file)
        path.parent.mkdir(parents=True, exist_ok=True)

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
    """检查数据库结构是否最新 / Exit 0 when the schema is current; otherwise say what to run (exit 2)."""
    settings = settings_from_env()

    async def _check() -> None:
        async with open_database(settings, check=False) as database:
            await check_schema(database.write_engine)

    run(_check)
    console.print(f"数据库结构最新 / schema current ({head_revision()})")


def _password(path: str | None) -> str | None:
    if path is None:
        return None
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise SettingsError(f"无法读取口令文件 / cannot read password file {path}: {exc.strerror}") from None


@db_group.command("roles")
@click.option(
    "--owner", "owner", default="certreg_owner", show_default=True, help="迁移属主角色 / migration owner role."
)
@click.option("--issuer", "issuer", default="certreg_issuer", show_default=True, help="发证应用角色 / issuer app role.")
@click.option(
    "--verify", "verify", default="certreg_verify", show_default=True, help="查验副本角色 / verify replica role."
)
@click.option(
    "--owner-password-file", type=click.Path(dir_okay=False), help="设置属主口令（文件）/ set the owner's password."
)
@click.option(
    "--issuer-password-file",
    type=click.Path(dir_okay=False),
    help="设置发证角色口令（文件）/ set the issuer's password.",
)
@click.option(
    "--verify-password-file",
    type=click.Path(dir_okay=False),
    help="设置查验角色口令（文件）/ set the verify role's password.",
)
def db_roles(
    *,
    owner: str,
    issuer: str,
    verify: str,
    owner_password_file: str | None,
    issuer_password_file: str | None,
    verify_password_file: str | None,
) -> None:
    """建立或更正 PostgreSQL 角色 / Create or correct the PostgreSQL roles: owner (migrations), issuer (no DDL, log
    append-only), verify
    (read-only). Run as a superuser before `certreg db upgrade` (the owner it makes migrates) and again after
    it, at every upgrade (docs/operations.md)."""
    settings = settings_from_env()
    if not settings.database.database_url.startswith("postgresql"):
        raise SettingsError("数据库角色仅用于 PostgreSQL / roles are for PostgreSQL (CERTREG_DATABASE_URL)")
    passwords = {
        owner: _password(owner_password_file),
        issuer: _password(issuer_password_file),
        verify: _password(verify_password_file),
    }
    statements = role_statements(owner, issuer, verify, passwords)

    async def _roles() -> None:
        async with open_database(settings, check=False) as database, database.write_engine.begin() as conn:
            for statement in statements:
                await conn.execute(text(statement))

    run(_roles)
    console.print(f"数据库角色已就绪 / roles ready: owner {owner}, issuer {issuer}, verify {verify}")


COMMANDS = [db_group]
