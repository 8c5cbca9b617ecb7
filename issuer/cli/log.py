"""``certreg log …``: publish a signed checkpoint now, and print the log's verifier key for monitors."""

from __future__ import annotations

import click

from issuer.checkpoints import publish_checkpoint
from issuer.cli._common import in_session, keystore, open_database, run, settings_from_env
from registry.log.store import StoredCheckpoint, active_log_verifier


@click.group("log")
def log_group() -> None:
    """透明日志 / the transparency log (checkpoints and the log's public key)."""


@log_group.command("checkpoint")
def log_checkpoint() -> None:
    """签发日志检查点 / Sign and store a checkpoint of the log as it is now (none is added when the size is unchanged);
    print the signed note."""
    settings = settings_from_env()
    store = keystore(settings)

    async def _publish() -> StoredCheckpoint:
        async with open_database(settings) as database:
            return await publish_checkpoint(database, store, settings)

    click.echo(run(_publish).note, nl=False)


@log_group.command("key")
def log_key() -> None:
    """输出日志验证公钥 / Print the log's verifier key (what `certreg monitor --key` pins)."""
    settings = settings_from_env()

    origin = settings.transparency.log_origin
    click.echo(in_session(settings, lambda session: active_log_verifier(session, origin)).encode())


COMMANDS = [log_group]
