"""``certreg staff create|list|disable|enable|reset|require-totp``: the console's staff accounts.

Run by an operator of the province centre (recorded as ``cli:<operator>:province_admin:<centre>`` in the
events). A password is read from stdin with ``--password-stdin``, typed twice at a terminal, or else made
up and printed once; it never appears in the log, the events or the shell history.
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Awaitable, Callable

import click
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.auth.operators import operator
from issuer.auth.roles import Role
from issuer.cli._common import (
    console,
    echo_json_lines,
    err_console,
    in_session,
    json_option,
    settings_from_env,
    stdin_is_terminal,
)
from issuer.console.accounts import create_account, require_totp, reset_account, set_state
from issuer.console.passwords import check_new_password, cost_for
from registry.calendar import province_minute
from registry.config import Settings
from registry.models import StaffAccount, StaffRoleSetting, StaffState

_operator = click.option(
    "--operator", "operator_name", default=None, help="记录在事件中的姓名（默认登录名）/ name recorded in the events."
)
_stdin = click.option("--password-stdin", is_flag=True, help="从标准输入读取密码 / read the password from stdin.")


def _password(from_stdin: bool) -> tuple[str, bool]:
    """The new password and whether it was made up here (and must be printed)."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif stdin_is_terminal():
        password = click.prompt(
            "新密码 / new password",
            hide_input=True,
            confirmation_prompt="再次输入 / repeat it",
            err=True,
        )
    else:
        return secrets.token_urlsafe(12), True
    check_new_password(password)
    return password, False


def _show_made_up(password: str, made_up: bool) -> None:
    if made_up:
        err_console.print("初始密码（仅显示一次，请安全转交）/ initial password (shown once, hand it over safely):")
        console.print(password)


def _as_admin(
    settings: Settings, operator_name: str | None, change: Callable[[AsyncSession, str], Awaitable[object]]
) -> None:
    """``change(session, actor)`` in one transaction, by the operator as the province centre's admin."""

    async def _change(session: AsyncSession) -> None:
        who = await operator(session, operator_name, Role.PROVINCE_ADMIN)
        await change(session, who.actor)

    in_session(settings, _change, write=True)


@click.group("staff")
def staff_group() -> None:
    """控制台工作人员账户 / staff accounts of the web console."""


@staff_group.command("create")
@click.option("--org", "org_code", required=True, help="机构或中心代码 / institution or centre code.")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True, help="角色 / role.")
@click.option("--name", "login", required=True, help="登录名：字母、数字、. _ -，至多 24 个 / login name.")
@_stdin
@_operator
def staff_create(org_code: str, role: str, login: str, password_stdin: bool, operator_name: str | None) -> None:
    """新建工作人员账号 / Create an active account LOGIN of ORG in ROLE."""
    settings = settings_from_env()
    password, made_up = _password(password_stdin)

    async def _create(session: AsyncSession, actor: str) -> None:
        await create_account(
            session,
            login=login,
            org_code=org_code,
            role=Role(role),
            password=password,
            actor=actor,
            cost=cost_for(settings.keys.key_kdf),
        )

    _as_admin(settings, operator_name, _create)
    console.print(f"已创建 / created staff account {login} ({role}, {org_code})")
    _show_made_up(password, made_up)


def _state_command(name: str, state: StaffState, doc: str, done: str) -> click.Command:
    @click.argument("login")
    @_operator
    def command(login: str, operator_name: str | None) -> None:
        _as_admin(
            settings_from_env(), operator_name, lambda session, actor: set_state(session, login, state, actor=actor)
        )
        console.print(f"{done}: {login}")

    command.__doc__ = f"{doc}: {'ends its sessions at once' if state is StaffState.DISABLED else 'it may sign in'}."
    return click.command(name)(command)


staff_group.add_command(
    _state_command("disable", StaffState.DISABLED, "停用 / disable account LOGIN", "已停用 / disabled")
)
staff_group.add_command(_state_command("enable", StaffState.ACTIVE, "启用 / enable account LOGIN", "已启用 / enabled"))


@staff_group.command("reset")
@click.argument("login")
@click.option("--remove-totp", is_flag=True, help="同时清除动态口令，下次登录重新设置 / also remove the TOTP factor.")
@_stdin
@_operator
def staff_reset(login: str, remove_totp: bool, password_stdin: bool, operator_name: str | None) -> None:
    """重置口令 / New password for LOGIN; lifts a lockout and ends its sessions."""
    settings = settings_from_env()
    password, made_up = _password(password_stdin)

    async def _reset(session: AsyncSession, actor: str) -> None:
        await reset_account(
            session,
            login,
            password=password,
            actor=actor,
            remove_totp=remove_totp,
            cost=cost_for(settings.keys.key_kdf),
        )

    _as_admin(settings, operator_name, _reset)
    console.print(f"已重置 / reset {login}" + (" (动态口令已清除 / TOTP removed)" if remove_totp else ""))
    _show_made_up(password, made_up)


@staff_group.command("require-totp")
@click.argument("role", type=click.Choice([r.value for r in Role]))
@click.option("--off", is_flag=True, help="不再要求 / stop requiring it.")
@_operator
def staff_require_totp(role: str, off: bool, operator_name: str | None) -> None:
    """要求动态口令 / Require (or with --off stop requiring) a TOTP code for every account of ROLE."""
    _as_admin(
        settings_from_env(),
        operator_name,
        lambda session, actor: require_totp(session, Role(role), not off, actor=actor),
    )
    state = "不再要求 / no longer required" if off else "必须使用 / now required"
    console.print(f"{role}: 动态口令 / TOTP {state}")


@staff_group.command("list")
@json_option
def staff_list(as_json: bool) -> None:
    """列出账户 / list accounts: login, organisation, role, state, TOTP, lockout."""
    settings = settings_from_env()

    async def _list(session: AsyncSession) -> tuple[list[StaffAccount], set[str]]:
        accounts = list((await session.scalars(select(StaffAccount).order_by(StaffAccount.login))).all())
        required = set(
            (await session.scalars(select(StaffRoleSetting.role).where(StaffRoleSetting.totp_required))).all()
        )
        return accounts, required

    accounts, required = in_session(settings, _list)
    rows = [
        {
            "login": a.login,
            "org": a.org_code,
            "role": a.role,
            "state": a.state,
            "totp": a.totp_sealed is not None,
            "totp_required": a.role in required,
            "locked_until": a.locked_until,
        }
        for a in accounts
    ]
    if as_json:
        echo_json_lines(rows)
        return
    table = Table(title="工作人员账户 / staff accounts")
    for heading in ("登录名 login", "机构 org", "角色 role", "状态 state", "动态口令 TOTP", "锁定至 locked until"):
        table.add_column(heading)
    for a, row in zip(accounts, rows, strict=True):
        totp = "✓" if row["totp"] else ("须设置 required" if row["totp_required"] else "—")
        locked = province_minute(a.locked_until) if a.locked_until else "—"
        table.add_row(a.login, a.org_code, a.role, a.state, totp, locked)
    console.print(table)


COMMANDS = [staff_group]
