"""``certreg tokens create|list|revoke``: issuer API tokens (printed once, stored as a hash; ``list`` shows
ids, holders and state, never a token)."""

from __future__ import annotations

import click
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.auth import Role, create_token, revoke_token
from issuer.cli._common import (
    ROW_ID,
    console,
    echo_json_lines,
    err_console,
    in_session,
    json_option,
    settings_from_env,
)
from issuer.cli.options import short_text
from registry.calendar import province_minute
from registry.models import ApiToken


@click.group("tokens")
def tokens_group() -> None:
    """发证方 API 令牌 / API tokens of institutions and centres."""


@tokens_group.command("create")
@click.option(
    "--org",
    "org_code",
    required=True,
    help="令牌所代表的机构或中心编码 / institution or centre code the token acts for.",
)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True, help="角色 / role.")
@click.option(
    "--label",
    default="",
    callback=short_text(128, required=False),
    help="备注：令牌由谁持有 / a note saying who holds the token.",
)
def tokens_create(org_code: str, role: str, label: str) -> None:
    """新建 API 令牌（仅显示一次）/ Create a token and print it once: store it safely, it cannot be shown again."""
    settings = settings_from_env()

    token = in_session(
        settings, lambda session: create_token(session, org_code=org_code, role=Role(role), label=label), write=True
    )
    err_console.print(f"新令牌 / new {role} token for {org_code} (仅显示一次 / shown once):")
    console.print(token)


@tokens_group.command("revoke")
@click.argument("token_id", type=ROW_ID)
def tokens_revoke(token_id: int) -> None:
    """吊销 API 令牌 / Revoke token TOKEN_ID: it stops working at once."""
    settings = settings_from_env()

    in_session(settings, lambda session: revoke_token(session, token_id), write=True)
    console.print(f"已吊销 / revoked token {token_id}")


@tokens_group.command("list")
@json_option
@click.option("--all", "show_all", is_flag=True, help="包括已吊销的令牌 / include revoked tokens.")
def tokens_list(as_json: bool, show_all: bool) -> None:
    """列出令牌（不显示令牌本身）/ list tokens: id, organisation, role, label, created, revoked."""
    settings = settings_from_env()

    async def _list(session: AsyncSession) -> list[ApiToken]:
        query = select(ApiToken).order_by(ApiToken.id)
        if not show_all:
            query = query.where(ApiToken.revoked_at.is_(None))
        return list((await session.scalars(query)).all())

    tokens = in_session(settings, _list)
    if as_json:
        fields = ("id", "org", "role", "label", "created_at", "revoked_at")
        echo_json_lines(
            dict(zip(fields, (t.id, t.org_code, t.role, t.label, t.created_at, t.revoked_at), strict=True))
            for t in tokens
        )
        return
    table = Table(title="API 令牌 / API tokens")
    for heading in ("id", "机构 org", "角色 role", "备注 label", "创建 created (UTC+8)", "吊销 revoked"):
        table.add_column(heading)
    for token in tokens:
        revoked = province_minute(token.revoked_at) if token.revoked_at else "—"
        table.add_row(
            str(token.id), token.org_code, token.role, token.label, province_minute(token.created_at), revoked
        )
    console.print(table)


COMMANDS = [tokens_group]
