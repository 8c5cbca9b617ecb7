"""``certreg tokens create|revoke``: issuer API tokens (printed once, stored as a hash)."""

from __future__ import annotations

import click

from issuer.auth import Role, create_token, revoke_token
from issuer.cli._common import console, err_console, open_database, run, settings_from_env


@click.group("tokens")
def tokens_group() -> None:
    """发证方 API 令牌 / API tokens of institutions and centres."""


@tokens_group.command("create")
@click.option("--org", "org_code", required=True, help="Institution or centre code the token acts for.")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--label", default="", help="A note saying who holds the token.")
def tokens_create(org_code: str, role: str, label: str) -> None:
    """Create a token and print it once: store it safely, it cannot be shown again."""
    settings = settings_from_env()

    async def _create() -> str:
        async with open_database(settings) as database, database.transaction() as session:
            return await create_token(session, org_code=org_code, role=Role(role), label=label)

    token = run(_create)
    err_console.print(f"新令牌 / new {role} token for {org_code} (仅显示一次 / shown once):")
    console.print(token)


@tokens_group.command("revoke")
@click.argument("token_id", type=int)
def tokens_revoke(token_id: int) -> None:
    """Revoke token TOKEN_ID: it stops working at once."""
    settings = settings_from_env()

    async def _revoke() -> None:
        async with open_database(settings) as database, database.transaction() as session:
            await revoke_token(session, token_id)

    run(_revoke)
    console.print(f"已吊销 / revoked token {token_id}")


COMMANDS = [tokens_group]
