"""``certreg staff create|list|disable|enable|reset|require-totp``: accounts made, changed and listed from the
server's command line, each change an event; passwords never printed unless made up here."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from issuer.cli import main
from issuer.console.passwords import verify_password
from registry.db import Database
from registry.models import Event, StaffAccount
from tests.factories import SKILL_INSTITUTION
from tests.integration.cli.support import cli_env, seed


def _read(db_url: str) -> tuple[list[StaffAccount], list[Event]]:
    async def read() -> tuple[list[StaffAccount], list[Event]]:
        async with Database(db_url) as database, database.reader() as session:
            accounts = list((await session.scalars(select(StaffAccount).order_by(StaffAccount.id))).all())
            events = list((await session.scalars(select(Event).order_by(Event.idx))).all())
            return accounts, events

    return asyncio.run(read())


def test_staff_accounts_from_the_command_line(empty_db_url: str, tmp_path: Path) -> None:
    seed(empty_db_url)
    env = cli_env(empty_db_url, tmp_path, CERTREG_KEY_KDF="insecure-test-only")
    runner = CliRunner()
    create = ["staff", "create", "--org", SKILL_INSTITUTION, "--role", "institution", "--name", "inst.wang"]
    made = runner.invoke(
        main, [*create, "--password-stdin", "--operator", "admin1"], input="a-long-password\n", env=env
    )
    assert made.exit_code == 0, made.output
    assert "a-long-password" not in made.output
    again = runner.invoke(main, [*create, "--password-stdin"], input="a-long-password\n", env=env)
    assert again.exit_code == 2
    assert "已被使用" in again.output
    short = runner.invoke(main, [*create[:-1], "inst.li", "--password-stdin"], input="short\n", env=env)
    assert short.exit_code == 2
    assert "10–128" in short.output
    wrong_org = runner.invoke(
        main, ["staff", "create", "--org", "430100", "--role", "institution", "--name", "x"], env=env
    )
    assert wrong_org.exit_code == 2

    disabled = runner.invoke(main, ["staff", "disable", "inst.wang"], env=env)
    assert disabled.exit_code == 0, disabled.output
    # it said "停用 / disable account LOGIN / disabled: inst.wang", the command's help as its answer
    assert disabled.stdout.strip() == "已停用 / disabled: inst.wang"
    reset = runner.invoke(main, ["staff", "reset", "inst.wang"], env=env)  # no terminal: a password is made up
    assert reset.exit_code == 0, reset.output
    made_up = reset.stdout.strip().splitlines()[-1]
    required = runner.invoke(main, ["staff", "require-totp", "province_reviewer"], env=env)
    assert required.exit_code == 0, required.output

    listed = runner.invoke(main, ["staff", "list", "--json"], env=env)
    (row,) = [json.loads(line) for line in listed.stdout.splitlines()]
    assert row == {
        "login": "inst.wang",
        "org": SKILL_INSTITUTION,
        "role": "institution",
        "state": "disabled",
        "totp": False,
        "totp_required": False,
        "locked_until": None,
    }
    assert runner.invoke(main, ["staff", "enable", "inst.wang"], env=env).exit_code == 0
    assert "inst.wang" in runner.invoke(main, ["staff", "list"], env=env).output

    (account,), events = _read(empty_db_url)
    assert account.state == "active"
    assert verify_password(account.password_hash, made_up)
    assert not verify_password(account.password_hash, "a-long-password")
    staff_events = [(e.kind, e.subject) for e in events if e.kind.startswith("staff.")]
    assert staff_events == [
        ("staff.created", "staff:inst.wang"),
        ("staff.changed", "staff:inst.wang"),
        ("staff.changed", "staff:inst.wang"),
        ("staff.totp_required", "role:province_reviewer"),
        ("staff.changed", "staff:inst.wang"),
    ]
    assert events[0].actor.startswith("cli:admin1:province_admin:")
    assert all(b"a-long-password" not in e.data and made_up.encode() not in e.data for e in events)
