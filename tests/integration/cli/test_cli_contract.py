"""The command line's contract (issue 18): every command and option explains itself in Chinese and English,
every list command speaks JSON (one object per line, ISO dates), and dates are typed as dates."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import click
from click.testing import CliRunner

from issuer.cli import main
from registry.db import Database
from tests.factories import add_keys, key_store, seed_world
from tests.integration.issuing.batches import rows_of, workflow_batch
from tests.support import ID_HASH_KEY

HAN = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{3,}")


def _walk(command: click.Command, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _walk(sub, (*path, name))


def _bilingual(text: str | None) -> bool:
    return bool(text and HAN.search(text) and LATIN.search(text))


def test_every_command_and_option_has_chinese_and_english_help() -> None:
    missing = []
    commands = list(_walk(main, ("certreg",)))
    assert len(commands) > 40
    for path, command in commands:
        if not _bilingual(command.help):
            missing.append(" ".join(path))
        ctx = click.Context(command, info_name=path[-1])
        for param in command.get_params(ctx):
            if isinstance(param, click.Option) and not _bilingual(param.help):
                missing.append(f"{' '.join(path)} {'/'.join(param.opts)}")
    assert missing == []


def test_every_list_command_has_json_output() -> None:
    lists = [(path, command) for path, command in _walk(main, ("certreg",)) if path[-1] == "list"]
    assert len(lists) >= 4
    for path, command in lists:
        assert any("--json" in p.opts for p in command.params if isinstance(p, click.Option)), path


def test_a_date_that_is_not_an_iso_date_is_refused_in_both_languages(tmp_path: Path) -> None:
    results = tmp_path / "results.csv"
    results.write_text("姓名\n")
    for wrong in ("2025-02-30", "20250201", "1.2.2025"):
        args = ["issue", str(results), "--institution", "S1", "--kind", "skill_level", "--assessed-on", wrong]
        outcome = CliRunner().invoke(main, args)
        assert outcome.exit_code == 2, outcome.output
        assert "应为YYYY-MM-DD" in outcome.output
        assert "expected a real date as YYYY-MM-DD" in outcome.output
    assert "--assessed-on YYYY-MM-DD" in CliRunner().invoke(main, ["issue", "--help"]).output


def test_list_commands_print_json_lines_with_iso_dates(empty_db_url: str, tmp_path: Path) -> None:
    async def seed() -> int:
        async with Database(empty_db_url) as database:
            await seed_world(database)
            await add_keys(database, key_store(tmp_path / "keys"))
            return await workflow_batch(database, rows_of(2))

    batch_id = asyncio.run(seed())
    env = {
        "CERTREG_DATABASE_URL": empty_db_url,
        "CERTREG_KEY_DIR": str(tmp_path / "keys"),
        "CERTREG_KEY_PASSPHRASE": "test-passphrase",
        "CERTREG_ID_HASH_KEY": ID_HASH_KEY,
        "CERTREG_REDIS_URL": "",
    }
    runner = CliRunner()
    made = runner.invoke(main, ["apikeys", "create", "--name", "某公司"], env=env)
    assert made.exit_code == 0, made.output

    def lines(*args: str) -> list[dict[str, object]]:
        outcome = runner.invoke(main, [*args, "--json"], env=env)
        assert outcome.exit_code == 0, outcome.output
        return [json.loads(line) for line in outcome.stdout.splitlines()]

    (batch,) = lines("batches", "list")
    assert batch["id"] == batch_id
    assert date.fromisoformat(str(batch["assessed_on"])) == date(2025, 6, 1)
    datetime.fromisoformat(str(batch["notice_ends_at"]))
    (key,) = lines("apikeys", "list")
    assert (key["name"], key["revoked_at"]) == ("某公司", None)
    datetime.fromisoformat(str(key["created_at"]))
    keys = lines("keys", "list")
    assert {k["authority"] for k in keys} >= {"430000"}
    for k in keys:
        datetime.fromisoformat(str(k["valid_from"]))


def test_a_row_id_out_of_range_is_refused_in_both_languages(empty_db_url: str) -> None:
    """A mistyped long id is a usage error, not the driver's OverflowError traceback (it reached SQLite)."""
    env = {"CERTREG_DATABASE_URL": empty_db_url}
    for args in (
        ["batches", "show", "99999999999999999999"],
        ["apikeys", "revoke", "99999999999999999999999"],
        ["tokens", "revoke", "0"],
        ["issue-batch", "9223372036854775808"],
        ["batches", "photos", "x1", __file__],
    ):
        outcome = CliRunner().invoke(main, args, env=env)
        assert outcome.exit_code == 2, (args, outcome.output)
        assert outcome.exception is None or isinstance(outcome.exception, SystemExit), args
        assert "编号须为 1 到 9223372036854775807 的整数" in outcome.output, args
        assert "an id from 1 to 9223372036854775807" in outcome.output, args
