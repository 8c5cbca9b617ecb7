"""``certreg identity show NUMBER --reason …`` and ``certreg identity rotate-kek --reason …``.

The province admin's reads of one certificate's full identity (each one an ``identity.read`` event in the
transparency log) and the key-encryption key's rotation (``docs/identity.md``), run as the province admin
operator with the key passphrase of the environment or typed at the terminal.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from issuer.cli._common import console, open_database, run, settings_from_env, with_passphrase
from issuer.cli.operators import operator_for
from issuer.cli.options import operator_option, reason_option
from issuer.identity.reads import IdentityRecord, read_identity
from issuer.identity.rotation import RotationResult, rotate_kek


@click.group("identity")
def identity_group() -> None:
    """持证人身份（完整证件号码封存）/ holders' sealed identities."""


@identity_group.command("show")
@click.argument("number")
@reason_option
@operator_option
def show_command(number: str, reason: str, operator: str | None) -> None:
    """查看证书 NUMBER 持证人的完整身份（记入透明日志）/ show the full identity of certificate NUMBER's holder
    (logged: who, whose, why)."""
    settings = with_passphrase(settings_from_env())
    caller = operator_for(settings, operator)

    async def _read() -> IdentityRecord:
        async with open_database(settings) as database:
            return await read_identity(database, settings, caller, number, reason=reason)

    record = run(_read)
    table = Table(title=f"证书 {record.number} 持证人 / holder of {record.number}", show_header=False)
    table.add_row("姓名 / name", record.holder_name)
    table.add_row("证件类型 / document type", f"{record.document_type_zh} ({record.document_type})")
    table.add_row("证件号码 / document number", record.document_number)
    table.add_row("性别 / gender", record.gender or "—")
    table.add_row("日志事件 / log event", str(record.event_id))
    console.print(table)


@identity_group.command("rotate-kek")
@reason_option
@click.option(
    "--new-passphrase-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="新 KEK 口令所在文件（默认：密钥口令）/ file holding the passphrase that seals the new KEK "
    "(default: the key passphrase).",
)
@operator_option
def rotate_command(reason: str, new_passphrase_file: Path | None, operator: str | None) -> None:
    """轮换密钥加密密钥：重新包装全部数据密钥，不改动任何密文 / rotate the key-encryption key."""
    settings = with_passphrase(settings_from_env())
    caller = operator_for(settings, operator)
    new = new_passphrase_file.read_text(encoding="utf-8").strip().encode() if new_passphrase_file else None

    async def _rotate() -> RotationResult:
        async with open_database(settings) as database:
            return await rotate_kek(database, settings, caller, reason=reason, new_passphrase=new)

    result = run(_rotate)
    console.print(
        f"已轮换 / rotated: KEK {result.old_kek_id} → {result.new_kek_id}, {result.data_keys} data keys re-wrapped "
        f"(event {result.event_id})"
    )


COMMANDS = [identity_group]
