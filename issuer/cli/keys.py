"""``certreg keys …``: create, list, rotate and mark compromised the authorities' signing keys."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime

import click
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.cli._common import (
    console,
    echo_json_lines,
    in_session,
    json_option,
    keystore,
    open_database,
    run,
    settings_from_env,
)
from issuer.errors import InvalidInputError
from issuer.issuing.corrections import check_reason
from issuer.keystore import new_key, rotate_key
from keys.keyset import CompromiseScope, KeySet, PublicKeyInfo, Purpose
from keys.kid import KID_LENGTH
from registry.errors import NotFoundError
from registry.keyring import load_keyset, mark_compromised
from registry.models import Authority

ACTOR = "cli:keys"
_PURPOSE = click.Choice(["statement", "log"])


@click.group("keys")
def keys_group() -> None:
    """签名密钥 / signing keys (private keys sealed in CERTREG_KEY_DIR, public keys in the registry)."""


async def _require_authority(session: AsyncSession, code: str) -> None:
    if await session.get(Authority, code) is None:
        raise NotFoundError(f"鉴定中心 {code} 不存在 / no authority {code}; load it with `certreg registry load`")


def _log_reason(*, required: bool) -> Callable[[click.Context, click.Parameter, str], str]:
    """A ``callback`` for a key change's ``--reason``: it goes into the public transparency log, so it is held to
    the rules of every other reason there (:func:`check_reason`: at most 500 characters, no control
    characters, nothing shaped like an ID number). Unchecked, a 100,000-character reason, an ANSI escape or a
    holder's ID number typed here was appended to the log for ever."""

    def check(_: click.Context, param: click.Parameter, value: str) -> str:
        if not value.strip():
            if required:
                raise click.BadParameter("原因不能为空 / give a reason: it is recorded in the log")
            return ""
        try:
            return check_reason(value)
        except InvalidInputError as exc:
            raise click.BadParameter(str(exc)) from None

    return check


@keys_group.command("new")
@click.option("--authority", required=True, help="鉴定中心编码，如 430000 / authority code, e.g. 430000.")
@click.option("--purpose", type=_PURPOSE, default="statement", show_default=True, help="密钥用途 / what the key signs.")
def keys_new(authority: str, purpose: Purpose) -> None:
    """新建鉴定中心的第一把密钥 / Create the first active key of AUTHORITY (use rotate to replace one)."""
    settings = settings_from_env()
    store = keystore(settings, sealing=True)

    async def _new(session: AsyncSession) -> PublicKeyInfo:
        await _require_authority(session, authority)
        return await new_key(session, store, authority=authority, purpose=purpose, actor=ACTOR)

    info = in_session(settings, _new, write=True)
    console.print(
        f"新密钥 / new key {info.kid} for {info.authority} ({info.purpose}), sealed in {store.path_of(info.kid)}"
    )


@keys_group.command("rotate")
@click.option("--authority", required=True, help="鉴定中心编码 / authority code.")
@click.option("--purpose", type=_PURPOSE, default="statement", show_default=True, help="密钥用途 / what the key signs.")
@click.option(
    "--reason",
    default="",
    callback=_log_reason(required=False),
    help="轮换理由（记入日志）/ why the key is rotated (recorded in the log).",
)
def keys_rotate(authority: str, purpose: Purpose, reason: str) -> None:
    """轮换密钥 / Retire the active key of AUTHORITY and make a new one, in one step."""
    settings = settings_from_env()
    store = keystore(settings, sealing=True)

    async def _rotate(session: AsyncSession) -> tuple[PublicKeyInfo, PublicKeyInfo]:
        await _require_authority(session, authority)
        return await rotate_key(session, store, authority=authority, purpose=purpose, actor=ACTOR, reason=reason)

    old, new = in_session(settings, _rotate, write=True)
    console.print(f"已轮换 / rotated: {old.kid} retired, {new.kid} active for {authority}")


# A kid is base64url, so one in 64 begins with "-": click must take it as the KID, not as an option. And not
# as ``-h`` either: "-pvxIDRYhTw" was read as a cluster of short options holding the group's ``-h``, so the
# command printed its help and exited 0 without marking the key (only ``--help`` here).
@keys_group.command("compromised", context_settings={"ignore_unknown_options": True, "help_option_names": ["--help"]})
@click.argument("kid")
@click.option(
    "--at",
    "at_text",
    required=True,
    help="密钥泄露时间 / when the key was compromised (ISO 8601 with time zone, or `now`).",
)
@click.option(
    "--scope",
    type=click.Choice(["after", "all"]),
    default="after",
    show_default=True,
    help="after：泄露日起签的无效；all：全部无效 / after: statements from that day on are invalid; all: every one.",
)
@click.option(
    "--reason",
    required=True,
    callback=_log_reason(required=True),
    help="经过（记入日志）/ what happened (recorded in the log).",
)
def keys_compromised(kid: str, at_text: str, scope: CompromiseScope, reason: str) -> None:
    """标记密钥泄露 / Mark KID compromised: statements it signed from AT's day on (or all, --scope all) stop
    verifying."""
    try:
        at = datetime.now(UTC) if at_text.strip().lower() == "now" else datetime.fromisoformat(at_text)
    except ValueError:
        raise click.BadParameter(f"不是 ISO 8601 时间 / not an ISO 8601 time: {at_text!r}", param_hint="--at") from None
    if at.utcoffset() is None:
        raise click.BadParameter("缺少时区 / give a time zone, e.g. 2026-05-01T10:00:00+08:00", param_hint="--at")
    if at > datetime.now(UTC):  # a compromise has happened; a time to come is a typo (2062 for 2026)
        raise click.BadParameter(
            f"泄露时间不能晚于现在 / the compromise time {at.isoformat()} is in the future: give when the key was "
            "compromised (or `now`)",
            param_hint="--at",
        )
    settings = settings_from_env()

    info = in_session(
        settings, lambda session: mark_compromised(session, kid, at, scope, actor=ACTOR, reason=reason), write=True
    )
    console.print(
        f"已标记泄露 / marked compromised: {info.kid} at {info.compromised_at} (scope {info.compromise_scope})"
    )


async def _keyset() -> KeySet:
    async with open_database(settings_from_env()) as database, database.reader() as session:
        return await load_keyset(session)


@keys_group.command("list")
@json_option
def keys_list(as_json: bool) -> None:
    """列出全部密钥 / every key ever registered, with its status and validity window."""
    keyset = run(_keyset)
    if as_json:
        echo_json_lines(keyset.keys)
        return
    table = Table(title="密钥 / keys")
    # the kid is what an operator copies into `keys compromised`: it never wraps or shrinks, the others give way
    table.add_column("kid", no_wrap=True, min_width=KID_LENGTH)
    for heading in (
        "机构 / authority",
        "用途 / purpose",
        "状态 / status",
        "启用 / from",
        "停用 / to",
        "泄露 / compromised",
    ):
        table.add_column(heading)
    for info in keyset.keys:
        table.add_row(
            info.kid,
            info.authority,
            info.purpose,
            info.status.value,
            info.valid_from.isoformat(timespec="seconds"),
            info.valid_to.isoformat(timespec="seconds") if info.valid_to else "",
            f"{info.compromised_at.isoformat(timespec='seconds')} ({info.compromise_scope})"
            if info.compromised_at
            else "",
        )
    console.print(table)


@keys_group.command("export-public")
def keys_export_public() -> None:
    """输出公钥集 JSON / Print the public key set as JSON (what GET /v1/keys serves; verify-token --keys reads it)."""
    sys.stdout.buffer.write(run(_keyset).to_json() + b"\n")


COMMANDS = [keys_group]
