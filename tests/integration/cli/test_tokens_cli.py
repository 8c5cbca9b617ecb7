"""``certreg tokens list`` (table and ``--json``, never a token) and ``revoke``; ``certreg --version``."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from issuer.cli import main
from tests.integration.cli.support import cli_env, seed


def test_tokens_list_as_table_and_json_then_revoke(empty_db_url: str, tmp_path: Path) -> None:
    seed(empty_db_url)
    env = cli_env(empty_db_url, tmp_path)
    runner = CliRunner()
    made = runner.invoke(
        main, ["tokens", "create", "--org", "430000", "--role", "province_admin", "--label", "甲"], env=env
    )
    assert made.exit_code == 0, made.output
    token = made.stdout.strip()
    listed = runner.invoke(main, ["tokens", "list", "--json"], env=env)
    assert listed.exit_code == 0, listed.output
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [(r["org"], r["role"], r["label"], r["revoked_at"]) for r in rows] == [
        ("430000", "province_admin", "甲", None)
    ]
    assert token not in listed.stdout
    table = runner.invoke(main, ["tokens", "list"], env=env)
    assert "province_admin" in table.stdout
    assert token not in table.stdout
    revoked = runner.invoke(main, ["tokens", "revoke", str(rows[0]["id"])], env=env)
    assert revoked.exit_code == 0, revoked.output
    assert runner.invoke(main, ["tokens", "list", "--json"], env=env).stdout == ""
    everything = runner.invoke(main, ["tokens", "list", "--json", "--all"], env=env).stdout
    assert json.loads(everything)["revoked_at"] is not None


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("certreg ")


def test_a_label_or_key_holder_that_a_list_could_not_print_back_is_refused(empty_db_url: str, tmp_path: Path) -> None:
    """An ANSI escape in a label recoloured every later ``tokens list``; a label past the column's 128
    characters was stored whole on SQLite and "the database cannot be used" on PostgreSQL."""
    seed(empty_db_url)
    env = cli_env(empty_db_url, tmp_path)
    runner = CliRunner()
    create = ["tokens", "create", "--org", "430000", "--role", "province_admin", "--label"]
    escaped = runner.invoke(main, [*create, "\x1b[31mred"], env=env)
    long = runner.invoke(main, [*create, "x" * 129], env=env)
    tab = runner.invoke(main, ["apikeys", "create", "--name", "a\tb"], env=env)
    for outcome in (escaped, long, tab):
        assert outcome.exit_code == 2, outcome.output
    assert "含控制字符 U+001B / contains the control character U+001B" in escaped.output
    assert "0 到 128 个字符 / 0 to 128 characters" in long.output
    assert "含控制字符 U+0009" in tab.output
    assert runner.invoke(main, ["tokens", "list", "--json"], env=env).stdout == ""
