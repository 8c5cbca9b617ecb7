"""The command line's contract (issue 18): every command and option explains itself in Chinese and English,
every list command speaks JSON (one object per line, ISO dates), and dates are typed as dates."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import update

from issuer.cli import main
from registry.db import Database
from registry.models import StaffAccount
from tests.factories import add_keys, key_store, seed_world
from tests.integration.issuing.batches import rows_of, workflow_batch
from tests.support import ID_HASH_KEY

HAN = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{3,}")
#: "中文 / English": Chinese, then the slash, then English words (an English help naming 专项 is not bilingual).
ZH_THEN_EN = re.compile(r"[\u4e00-\u9fff][^/]*/[^/]*[A-Za-z]{3,}")


def _walk(command: click.Command, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command under ``command``, as click finds them (``certreg`` imports its commands when asked for one)."""
    yield path, command
    if isinstance(command, click.Group):
        ctx = click.Context(command, info_name=path[-1])
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None, name
            yield from _walk(sub, (*path, name))


def _bilingual(text: str | None) -> bool:
    return bool(text and HAN.search(text) and LATIN.search(text) and ZH_THEN_EN.search(text))


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


def test_an_option_whose_help_names_its_default_names_it_in_chinese_too() -> None:
    """``--workers``, ``audit --state``, ``registry load --table`` … said their default in English only ("(default
    CERTREG_WORKERS)"): a reader of the Chinese half did not learn what happens without the option."""
    english_only = []
    for path, command in _walk(main, ("certreg",)):
        ctx = click.Context(command, info_name=path[-1])
        for param in command.get_params(ctx):
            text = getattr(param, "help", None) or ""
            if re.search(r"\bdefault\b", text, re.IGNORECASE) and "默认" not in text:
                english_only.append(f"{' '.join(path)} {'/'.join(param.opts)}")
    assert english_only == []


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
    token = runner.invoke(main, ["tokens", "create", "--org", "430000", "--role", "province_admin"], env=env)
    assert token.exit_code == 0, token.output
    (listed,) = lines("tokens", "list")
    assert list(listed) == ["id", "org", "role", "label", "created_at", "revoked_at"]
    create = ["staff", "create", "--org", "430000", "--role", "province_admin", "--name", "admin.li"]
    assert runner.invoke(main, create, env={**env, "CERTREG_KEY_KDF": "insecure-test-only"}).exit_code == 0
    asyncio.run(_lock_accounts(empty_db_url))
    (account,) = lines("staff", "list")
    # one way of writing a time in every list, as msgspec writes it (tokens and staff wrote '+00:00')
    for item in (batch, key, *keys, listed, account):
        for name, value in item.items():
            if name.endswith(("_at", "_from", "_to", "_until")) and value is not None:
                assert UTC_TIME.fullmatch(str(value)), (name, value)


async def _lock_accounts(url: str) -> None:
    """Lock every staff account for an hour, as five wrong passwords in a row do."""
    async with Database(url) as database, database.transaction() as session:
        await session.execute(update(StaffAccount).values(locked_until=datetime.now(UTC) + timedelta(hours=1)))


#: A time in every ``--json`` list: RFC 3339 in UTC, with ``Z``.
UTC_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


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


#: Mistyped command lines and the Chinese half of what certreg answers; the English half is click's own.
USAGE_ERRORS = {
    "an unknown option": (
        ["batches", "list", "--jsn"],
        "没有选项 --jsn，是否要用 '--json'？",  # click's suggestion, in Chinese too
        "No such option '--jsn'. Did you mean '--json'?",
    ),
    "an unknown option like none": (["batches", "list", "--bogus"], "没有选项 --bogus", "No such option '--bogus'."),
    "an unknown command": (["batchez"], "没有命令 batchez", "No such command 'batchez'."),
    "a missing option": (["verify-token", "T"], "缺少选项 --keys", "Missing option '--keys'."),
    "a missing argument": (["batches", "show"], "缺少参数 BATCH_ID", "Missing argument 'BATCH_ID'."),
    "a value not offered": (
        ["keys", "new", "--authority", "430000", "--purpose", "nope"],
        "'--purpose' 取值无效：须为以下之一：'statement', 'log'",
        "Invalid value for '--purpose': 'nope' is not one of 'statement', 'log'.",
    ),
    "not a number": (
        ["batches", "list", "--limit", "abc"],
        "'--limit' 取值无效：须为整数",
        "Invalid value for '--limit': 'abc' is not a valid integer range.",
    ),
    "out of range": (
        ["feed", "export", "--since", "-5", "--out", "."],
        "'--since' 取值无效：须在 0<=x<=9223372036854775807 范围内",
        "Invalid value for '--since': -5 is not in the range 0<=x<=9223372036854775807.",
    ),
    "no such file": (
        ["registry", "load", "/no/such/file.csv"],
        "'PATH' 取值无效：'/no/such/file.csv' 不存在",
        "Invalid value for 'PATH': File '/no/such/file.csv' does not exist.",
    ),
    # our own check's words are in both languages already; click's "Invalid value for URL:" around them was not
    "a value our own check refuses": (
        ["monitor", "not-a-url"],
        "URL 取值无效",
        "Invalid value for URL: 须为日志的 http:// 或 https:// 网址（不带查询串）/ the log's http:// or https:// URL",
    ),
    "an option without its value": (["batches", "list", "--state"], "选项 --state 需要取值", "Option '--state'"),
    "an extra argument": (["tokens", "list", "x"], "多余的参数：x", "Got unexpected extra argument (x)"),
}


@pytest.mark.parametrize(("args", "zh", "en"), USAGE_ERRORS.values(), ids=USAGE_ERRORS.keys())
def test_a_mistyped_command_line_is_refused_in_both_languages(args: list[str], zh: str, en: str) -> None:
    outcome = CliRunner().invoke(main, args)
    assert outcome.exit_code == 2, outcome.output
    assert f"{zh} / {en}" in outcome.output


def test_serve_refuses_a_port_in_use_before_it_says_serving(empty_db_url: str, tmp_path: Path) -> None:
    """It printed "serving on …" and the demo links, then uvicorn's English log line, exit code 3."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {"CERTREG_DATABASE_URL": empty_db_url, "CERTREG_KEY_DIR": str(tmp_path / "keys")}
        outcome = CliRunner().invoke(main, ["serve", "--port", str(port)], env=env)
    assert outcome.exit_code == 2, outcome.output
    assert f"无法监听 127.0.0.1:{port}" in outcome.output
    assert f"cannot listen on 127.0.0.1:{port}" in outcome.output
    assert "serving on" not in outcome.output


def test_a_reader_that_stops_reading_is_not_a_database_failure(empty_db_url: str, tmp_path: Path) -> None:
    """``certreg keys list --json | head -1``: the closed pipe (a BrokenPipeError, which is a ConnectionError)
    was reported as "数据库无法使用 / the database cannot be used: [Errno 32] Broken pipe", exit 2."""

    async def seed() -> None:
        async with Database(empty_db_url) as database:
            await seed_world(database)
            await add_keys(database, key_store(tmp_path / "keys"))

    asyncio.run(seed())
    env = {
        **os.environ,
        "CERTREG_DATABASE_URL": empty_db_url,
        "CERTREG_KEY_DIR": str(tmp_path / "keys"),
        "CERTREG_KEY_PASSPHRASE": "test-passphrase",
    }
    for args in (["keys", "list", "--json"], ["keys", "list"]):  # JSON lines, and rich's table
        assert reader_gone(args, env) == (READER_GONE, "")


#: The status of a command whose reader closed the pipe early: 128 + SIGPIPE, as ``yes | head`` reports.
READER_GONE = 141


def reader_gone(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """``certreg ARGS`` run with its stdout a pipe whose reader is gone before the first line is written (as
    ``| head`` does once it has its lines): the exit status and what went to stderr."""
    command = [sys.executable, "-c", "from issuer.cli import main; main()", *args]
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        process.stdout.close()
        error = process.stderr.read().decode()
        process.wait(timeout=60)
    return process.returncode, error


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["keys", "--help"], ["demo", "load", "--help"]])
def test_help_and_version_into_a_closed_pipe_end_quietly(args: list[str]) -> None:
    """``certreg --help | head -1`` ended with click's own exit status 1 (as a failure), and output buffered
    until the interpreter's exit printed "Exception ignored … BrokenPipeError" (status 120)."""
    assert reader_gone(args, dict(os.environ)) == (READER_GONE, "")


#: Click's own words, English only, at the start of a line of help or of a refusal.
CLICK_ENGLISH = re.compile(r"^(Usage:|Options:|Commands:|Error:|Arguments:)", re.M)


def test_clicks_own_words_in_help_and_refusals_are_bilingual_too() -> None:
    """The help and refusals were bilingual but for the words click writes itself ("Usage:", "Options:",
    "[required]", "Error:")."""
    runner = CliRunner()
    top = runner.invoke(main, ["--help"]).output
    assert "用法 / Usage: main [OPTIONS] COMMAND [ARGS]..." in top  # CliRunner names the program main
    assert "选项 / Options:" in top
    assert "命令 / Commands:" in top
    new_key = " ".join(runner.invoke(main, ["keys", "new", "--help"]).output.split())  # as wrapped
    assert "[必填 / required]" in new_key
    assert "[默认 statement / default: statement]" in new_key
    for path, command in _walk(main, ("certreg",)):
        names = command.context_settings.get("help_option_names", ["-h"])
        shown = runner.invoke(main, [*path[1:], names[-1]]).output
        assert CLICK_ENGLISH.search(shown) is None, (path, shown)
    refused = runner.invoke(main, ["keys", "list", "--jsn"])
    assert refused.exit_code == 2
    assert refused.output.startswith("用法 / Usage: main keys list [OPTIONS]")
    assert "\n错误 / Error: 没有选项 --jsn" in refused.output
    assert CLICK_ENGLISH.search(refused.output) is None
