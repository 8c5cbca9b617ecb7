"""``certreg credentials backfill``: W3C credentials for certificates issued before credentials existed.

Certificates issued since migration 0006 get their credential at issue. Older ones get theirs here, signed
by each authority's current statement key, each with a ``certificate.credential`` event committing to its
bytes; a certificate already revoked or superseded has its status bit set in the same transaction. One
transaction per chunk, so a long run can stop and start again: it resumes with what is still missing.
"""

from __future__ import annotations

from datetime import UTC, datetime

import click

from issuer.cli._common import console, keystore, open_database, run, settings_from_env
from issuer.cli.operators import operator_for
from issuer.cli.options import operator_option
from issuer.issuing.credentials import CredentialContext, backfill


@click.group("credentials")
def credentials_group() -> None:
    """标准凭证（W3C VC / Open Badges 3.0）/ standards credentials (W3C VC 2.0, Open Badges 3.0)."""


@credentials_group.command("backfill")
@click.option(
    "--chunk",
    type=click.IntRange(1, 10_000),
    default=1000,
    show_default=True,
    help="每个事务签发的凭证数 / credentials signed per transaction.",
)
@operator_option
def backfill_command(chunk: int, operator: str | None) -> None:
    """为早于凭证功能的证书补签凭证 / sign the credentials of certificates issued before credentials."""
    settings = settings_from_env()
    context = CredentialContext.of(settings, keystore(settings))
    actor = operator_for(settings, operator).actor

    async def _main() -> int:
        total = 0
        async with open_database(settings) as database:
            while True:
                async with database.transaction() as session:
                    done = await backfill(session, context, actor=actor, at=datetime.now(UTC), limit=chunk)
                total += len(done)
                if len(done) < chunk:
                    return total

    total = run(_main)
    console.print(f"已补签凭证 / credentials signed: {total}")


COMMANDS = [credentials_group]
