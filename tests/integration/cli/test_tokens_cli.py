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
