"""``certreg keys …`` and ``certreg demo load``: keys sealed on disk, public keys and events in the registry."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

import msgspec
import pytest
from click.testing import CliRunner

from issuer.cli import main
from keys.keyset import KeySet, KeyStatus
from keys.kid import b64url_decode, b64url_encode
from tests.integration.cli.support import command_env, invoke
from tests.support import ID_HASH_KEY

AUTHORITY_CSV = "code,name,level,region_code\n430000,湖南省职业技能鉴定中心,province,430000\n"
REGIONS_CSV = "code,name,parent_code\n430000,湖南省,\n"


@pytest.fixture
def env(empty_db_url: str, tmp_path: Path) -> dict[str, str]:
    # `certreg demo load` runs only in the demo mode (rule 8)
    return command_env(
        empty_db_url,
        tmp_path / "keys",
        CERTREG_KEY_PASSPHRASE="correct horse",
        CERTREG_ID_HASH_KEY=ID_HASH_KEY,
        CERTREG_DEMO_MODE="1",
    )


def seed_authority(env: dict[str, str], tmp_path: Path) -> None:
    for name, text in (("regions.csv", REGIONS_CSV), ("authorities.csv", AUTHORITY_CSV)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        assert invoke(env, "registry", "load", str(tmp_path / name)).exit_code == 0


def keyset(env: dict[str, str]) -> KeySet:
    result = invoke(env, "keys", "export-public")
    assert result.exit_code == 0, result.output
    return KeySet.from_json(result.stdout_bytes)


def test_new_rotate_compromise_and_export(env: dict[str, str], tmp_path: Path) -> None:
    seed_authority(env, tmp_path)
    assert invoke(env, "keys", "new", "--authority", "430000").exit_code == 0
    first = keyset(env).active("430000")
    assert first is not None
    key_file = Path(env["CERTREG_KEY_DIR"]) / f"{first.kid}.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert b"correct horse" not in key_file.read_bytes()

    again = invoke(env, "keys", "new", "--authority", "430000")
    assert again.exit_code == 2
    assert "keys rotate" in again.output

    assert invoke(env, "keys", "rotate", "--authority", "430000", "--reason", "annual").exit_code == 0
    after = keyset(env)
    second = after.active("430000")
    assert second is not None
    assert second.kid != first.kid
    old = after.get(first.kid)
    assert old is not None
    assert old.status is KeyStatus.RETIRED

    future = invoke(env, "keys", "compromised", second.kid, "--at", "2099-01-01T00:00:00+08:00", "--reason", "leak")
    assert future.exit_code == 2, future.output
    assert "is in the future" in future.output
    unmarked = keyset(env).get(second.kid)
    assert unmarked is not None
    assert unmarked.status is KeyStatus.ACTIVE  # it had been marked, "compromised" from 2099 on
    marked = invoke(env, "keys", "compromised", second.kid, "--at", "now", "--reason", "leak")
    assert marked.exit_code == 0, marked.output
    compromised = keyset(env).get(second.kid)
    assert compromised is not None
    assert compromised.status is KeyStatus.COMPROMISED
    assert compromised.compromise_scope == "after"

    listing = invoke(env, "keys", "list")
    assert first.kid[:6] in listing.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("keys", "new", "--authority", "999999"), "no authority 999999"),
        (("keys", "rotate", "--authority", "430000"), "no active statement key"),
        (("keys", "rotate", "--authority", "999999"), "鉴定中心 999999 不存在 / no authority 999999"),
        (("keys", "compromised", "AAAAAAAAAAA", "--at", "2026-01-01T00:00:00+08:00", "--reason", "x"), "no key"),
        # a kid that begins with "-" and holds an "h" is the KID, never the -h of help (which exited 0, unmarked)
        (("keys", "compromised", "-pvxIDRYhTw", "--at", "2026-01-01T00:00:00+08:00", "--reason", "x"), "no key -pvx"),
        (("keys", "compromised", "-hAAAAAAAAA", "--at", "2026-01-01T00:00:00+08:00", "--reason", "x"), "no key -hAA"),
        (
            ("keys", "compromised", "AAAAAAAAAAA", "--at", "yesterday", "--reason", "x"),
            "不是 ISO 8601 时间 / not an ISO 8601",
        ),
        (
            ("keys", "compromised", "AAAAAAAAAAA", "--at", "2026-01-01T00:00:00", "--reason", "x"),
            "缺少时区 / give a time zone",
        ),
        (  # a compromise is something that happened: a time to come is a typo (2062 for 2026), never a plan
            ("keys", "compromised", "AAAAAAAAAAA", "--at", "2099-01-01T00:00:00+08:00", "--reason", "x"),
            "泄露时间不能晚于现在 / the compromise time 2099-01-01T00:00:00+08:00 is in the future",
        ),
        (
            ("keys", "compromised", "AAAAAAAAAAA", "--at", "2026-01-01T00:00:00+08:00", "--reason", ""),
            "原因不能为空 / give a reason",
        ),
        (
            ("keys", "compromised", "AAAAAAAAAAA", "--at", "2026-01-01T00:00:00+08:00", "--reason", "  "),
            "原因不能为空 / give a reason",
        ),
    ],
)
def test_bad_key_commands_say_why(env: dict[str, str], tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    seed_authority(env, tmp_path)
    result = invoke(env, *args)
    assert result.exit_code == 2
    assert message in result.output


LOG_REASONS = [
    pytest.param("x" * 501, "the reason is longer than 500 characters", id="too-long"),
    pytest.param("leak \x1b[31mred", "the reason contains control characters", id="ansi-escape"),
    pytest.param("leaked by 110101199003074514", "document number", id="id-number"),
]


@pytest.mark.parametrize(("reason", "message"), LOG_REASONS)
def test_a_key_change_reason_is_checked_before_it_reaches_the_log(
    env: dict[str, str], tmp_path: Path, reason: str, message: str
) -> None:
    """A key change's reason is public in the transparency log for ever: held to the rules of every reason."""
    seed_authority(env, tmp_path)
    assert invoke(env, "keys", "new", "--authority", "430000").exit_code == 0
    kid = keyset(env).keys[0].kid
    for args in (
        ("keys", "rotate", "--authority", "430000", "--reason", reason),
        ("keys", "compromised", kid, "--at", "now", "--reason", reason),
    ):
        result = invoke(env, *args)
        assert result.exit_code == 2, result.output
        assert message in result.output
    after = keyset(env)
    assert [(info.kid, info.status) for info in after.keys] == [(kid, KeyStatus.ACTIVE)]


def test_demo_load_is_idempotent(env: dict[str, str]) -> None:
    first = invoke(env, "demo", "load")
    assert first.exit_code == 0, first.output
    keys_after_first = keyset(env)
    assert keys_after_first.active("430000", "log") is not None
    assert all(keys_after_first.active(code) is not None for code in ("430000", "430100", "431200"))
    second = invoke(env, "demo", "load")
    assert second.exit_code == 0, second.output
    assert "keys created: 0" in second.output
    assert msgspec.json.encode(keyset(env)) == msgspec.json.encode(keys_after_first)
    assert "demo certificates" in first.output
    assert "demo certificates" not in second.output  # issued once
    links = (Path(env["CERTREG_KEY_DIR"]).parent / "demo-links.txt").read_text(encoding="utf-8")
    assert links.count("{public_url}/q/") == 3  # valid, revoked, reissued


@pytest.fixture
def fake_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """CliRunner's stdin is never a terminal; this stands in for an operator at one."""
    monkeypatch.setattr("issuer.cli._common.stdin_is_terminal", lambda: True)


def test_fake_terminal_is_asked_for_the_passphrase_with_confirmation(
    env: dict[str, str], tmp_path: Path, fake_terminal: None
) -> None:
    seed_authority(env, tmp_path)
    del env["CERTREG_KEY_PASSPHRASE"]
    runner = CliRunner()
    created = runner.invoke(main, ["keys", "new", "--authority", "430000"], env=env, input="typed pw\ntyped pw\n")
    assert created.exit_code == 0, created.output
    assert "密钥口令 / key passphrase" in created.output
    assert "再次输入口令 / repeat the passphrase" in created.output
    assert "typed pw" not in created.output  # hidden input is not echoed
    first = keyset(env).active("430000")
    assert first is not None
    # the typed passphrase is the one that seals the file
    env_with = {**env, "CERTREG_KEY_PASSPHRASE": "typed pw"}
    rotated = invoke(env_with, "keys", "rotate", "--authority", "430000")
    assert rotated.exit_code == 0, rotated.output


def test_fake_terminal_mismatched_confirmation_asks_again(
    env: dict[str, str], tmp_path: Path, fake_terminal: None
) -> None:
    seed_authority(env, tmp_path)
    del env["CERTREG_KEY_PASSPHRASE"]
    result = CliRunner().invoke(
        main, ["keys", "new", "--authority", "430000"], env=env, input="one\ntwo\nthree\nthree\n"
    )
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert keyset(env).active("430000") is not None


def test_no_passphrase_and_no_terminal_is_a_clear_error(env: dict[str, str], tmp_path: Path) -> None:
    """A missing passphrase names the variables that give one, and no key is written."""
    seed_authority(env, tmp_path)
    del env["CERTREG_KEY_PASSPHRASE"]
    result = invoke(env, "keys", "new", "--authority", "430000")
    assert result.exit_code == 2
    assert "缺少密钥口令 / no key passphrase" in result.output
    assert "CERTREG_KEY_PASSPHRASE" in result.output
    assert "CERTREG_KEY_PASSPHRASE_FILE" in result.output
    assert "Traceback" not in result.output
    assert not Path(env["CERTREG_KEY_DIR"]).exists() or not list(Path(env["CERTREG_KEY_DIR"]).iterdir())


def test_list_shows_whole_kids_at_80_columns(env: dict[str, str], tmp_path: Path) -> None:
    seed_authority(env, tmp_path)
    assert invoke(env, "keys", "new", "--authority", "430000").exit_code == 0
    assert invoke(env, "keys", "rotate", "--authority", "430000", "--reason", "annual").exit_code == 0
    marked_kid = keyset(env).active("430000")
    assert marked_kid is not None
    assert invoke(env, "keys", "compromised", marked_kid.kid, "--at", "now", "--reason", "leak").exit_code == 0
    listing = invoke({**env, "COLUMNS": "80"}, "keys", "list")
    assert listing.exit_code == 0
    assert max(len(line) for line in listing.output.splitlines()) <= 80
    for info in keyset(env).keys:
        assert info.kid in listing.output  # an operator copies it from here


def test_unusable_key_directory_is_a_key_error_naming_it(env: dict[str, str], tmp_path: Path) -> None:
    seed_authority(env, tmp_path)
    result = invoke({**env, "CERTREG_KEY_DIR": "/proc/nope"}, "keys", "new", "--authority", "430000")
    assert result.exit_code == 2
    assert "无法写入密钥文件 / cannot write key file /proc/nope/" in result.output
    assert "database" not in result.output
    assert keyset(env).active("430000") is None  # nothing registered without its private key


def test_unreachable_database_is_still_a_database_error(env: dict[str, str]) -> None:
    result = invoke({**env, "CERTREG_DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1:1/test"}, "keys", "list")
    assert result.exit_code == 2
    assert "数据库无法使用 / the database cannot be used" in result.output


def test_rotate_refuses_a_passphrase_that_does_not_open_the_existing_keys(env: dict[str, str], tmp_path: Path) -> None:
    seed_authority(env, tmp_path)
    assert invoke(env, "keys", "new", "--authority", "430000").exit_code == 0
    before = keyset(env)
    key_dir = Path(env["CERTREG_KEY_DIR"])
    files = sorted(key_dir.iterdir())
    result = invoke({**env, "CERTREG_KEY_PASSPHRASE": "correct horse typo"}, "keys", "rotate", "--authority", "430000")
    assert result.exit_code == 2
    assert "口令打不开已有的密钥文件" in result.output
    assert f"the passphrase does not open the existing key file {files[0]}" in result.output
    assert "Traceback" not in result.output
    assert sorted(key_dir.iterdir()) == files  # no key sealed under the mistyped passphrase
    assert keyset(env) == before


def test_insecure_test_only_kdf_warns_loudly(env: dict[str, str], tmp_path: Path) -> None:
    seed_authority(env, tmp_path)
    result = CliRunner().invoke(main, ["keys", "new", "--authority", "430000"], env=env)
    assert result.exit_code == 0, result.output
    assert "警告 / WARNING: CERTREG_KEY_KDF=insecure-test-only" in result.stderr
    assert "never use it for real keys" in result.stderr
    quiet = CliRunner().invoke(
        main, ["keys", "rotate", "--authority", "430000"], env={**env, "CERTREG_KEY_KDF": "interactive"}
    )
    assert quiet.exit_code == 0, quiet.output
    assert "WARNING" not in quiet.stderr


def _flip_sealed(path: Path) -> None:
    document = msgspec.json.decode(path.read_bytes())
    sealed = bytearray(b64url_decode(document["sealed"]))
    sealed[30] ^= 0x01
    document["sealed"] = b64url_encode(bytes(sealed))
    path.write_bytes(msgspec.json.encode(document))


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (
            "wrong passphrase",
            "口令错误，或盐值/派生参数被改动 / wrong passphrase, or the salt/KDF parameters were altered",
        ),
        ("world-readable", "密钥文件权限过宽 / key file {path} has mode 0o644; chmod 600 it"),
        ("tampered", "密钥密文被改动 / sealed key in {path} was altered"),
    ],
)
def test_signing_a_checkpoint_with_a_bad_log_key_file_says_which_fault(
    env: dict[str, str], tmp_path: Path, fault: str, message: str
) -> None:
    """What an operator sees when the key needed to sign is unusable: one bilingual line, exit 2."""
    seed_authority(env, tmp_path)
    assert invoke(env, "keys", "new", "--authority", "430000", "--purpose", "log").exit_code == 0
    assert invoke(env, "keys", "new", "--authority", "430000").exit_code == 0
    log_key = keyset(env).active("430000", "log")
    assert log_key is not None
    path = Path(env["CERTREG_KEY_DIR"]) / f"{log_key.kid}.key"
    assert invoke(env, "keys", "rotate", "--authority", "430000").exit_code == 0  # a new event to checkpoint
    if fault == "wrong passphrase":
        env = {**env, "CERTREG_KEY_PASSPHRASE": "correct horse typo"}
    elif fault == "world-readable":
        path.chmod(0o644)
    else:
        _flip_sealed(path)
    result = CliRunner().invoke(main, ["log", "checkpoint"], env=env)
    assert result.exit_code == 2
    assert result.stderr.startswith("错误 / error: ")
    assert message.format(path=path) in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.output


@pytest.mark.parametrize("kid", ["-wNotAKid01", "--NotAKid01"])
def test_a_kid_that_begins_with_a_dash_is_taken_as_the_kid(env: dict[str, str], tmp_path: Path, kid: str) -> None:
    """One kid in 64 begins with "-" (base64url); it must not be read as an option."""
    seed_authority(env, tmp_path)
    result = invoke(env, "keys", "compromised", kid, "--at", "2026-01-01T00:00:00+08:00", "--reason", "leak")
    assert result.exit_code == 2
    assert f"密钥 {kid} 不存在 / no key {kid}" in result.output
    assert "No such option" not in result.output


def _key_files(key_dir: Path) -> list[Path]:
    return list(key_dir.iterdir()) if key_dir.is_dir() else []


async def _row_counts(url: str) -> dict[str, int]:
    from sqlalchemy import func, select

    from registry.db import Database
    from registry.models import Authority, Event, PublicKey, Region

    async with Database(url) as database, database.reader() as session:
        return {
            model.__name__: int(await session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (Region, Authority, PublicKey, Event)
        }


@pytest.mark.parametrize("missing", ["id_hash_key", "key_dir", "passphrase"])
async def test_demo_load_checks_every_precondition_before_its_first_write(
    env: dict[str, str], tmp_path: Path, missing: str
) -> None:
    """Issue 10, item 15: without CERTREG_ID_HASH_KEY the load created 8 keys and loaded the regions, then
    failed. Now nothing is written: no key file, no row, and the message names what to fix."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    expected = {
        "id_hash_key": "CERTREG_ID_HASH_KEY",
        "key_dir": "CERTREG_KEY_DIR",
        "passphrase": "CERTREG_KEY_PASSPHRASE",
    }[missing]
    if missing == "id_hash_key":
        del env["CERTREG_ID_HASH_KEY"]
    elif missing == "key_dir":
        env["CERTREG_KEY_DIR"] = str(blocker / "keys")
    else:
        del env["CERTREG_KEY_PASSPHRASE"]
    before = await _row_counts(env["CERTREG_DATABASE_URL"])
    result = await asyncio.to_thread(invoke, env, "demo", "load")
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert "Traceback" not in result.output
    assert _key_files(Path(env["CERTREG_KEY_DIR"])) == []
    assert await _row_counts(env["CERTREG_DATABASE_URL"]) == before
    # with the setting given back, the same command goes through
    env["CERTREG_ID_HASH_KEY"], env["CERTREG_KEY_DIR"], env["CERTREG_KEY_PASSPHRASE"] = (
        ID_HASH_KEY, str(tmp_path / "keys"), "correct horse"
    )  # fmt: skip
    done = await asyncio.to_thread(invoke, env, "demo", "load")
    assert done.exit_code == 0, done.output


async def test_demo_load_refuses_a_passphrase_that_does_not_open_the_keys_there(env: dict[str, str]) -> None:
    first = await asyncio.to_thread(invoke, env, "demo", "load")
    assert first.exit_code == 0, first.output
    before = await _row_counts(env["CERTREG_DATABASE_URL"])
    wrong = await asyncio.to_thread(invoke, {**env, "CERTREG_KEY_PASSPHRASE": "wrong"}, "demo", "load")
    assert wrong.exit_code == 2, wrong.output
    assert "passphrase" in wrong.output
    assert await _row_counts(env["CERTREG_DATABASE_URL"]) == before


async def test_demo_load_prints_a_query_link_that_curl_can_fetch(env: dict[str, str]) -> None:
    """Issue 10, item 16: the query link held a raw ``name=张三`` (curl got 400). It is percent-encoded, and
    the server answers it with the valid certificate."""
    from litestar.testing import AsyncTestClient

    from issuer.app import create_app
    from issuer.demo_links import demo_links
    from tests.support import make_settings

    env = {**env, "CERTREG_PUBLIC_URL": "http://127.0.0.1:8000"}
    result = await asyncio.to_thread(invoke, env, "demo", "load")
    assert result.exit_code == 0, result.output
    (printed,) = [line for line in result.output.splitlines() if "public query" in line]
    link = printed.split()[-1]
    assert link.isascii(), link
    assert link.startswith("http://127.0.0.1:8000/?number=")
    assert "name=%E5%BC%A0%E4%B8%89" in link
    assert "(已补发 reissued)" in result.output  # 补发, not 换发
    settings = make_settings(
        database_url=env["CERTREG_DATABASE_URL"], key_dir=env["CERTREG_KEY_DIR"], public_url="http://127.0.0.1:8000"
    )
    assert any(link in line for line in demo_links(settings))  # what `certreg serve` prints
    async with AsyncTestClient(create_app(settings)) as client:
        page = await client.get(link.removeprefix("http://127.0.0.1:8000"))
    assert page.status_code == 200, page.text
    assert "有效" in page.text


def test_links_written_by_an_older_version_are_printed_encoded(tmp_path: Path) -> None:
    from issuer.demo_links import demo_links, demo_links_file
    from tests.support import make_settings

    settings = make_settings(key_dir=str(tmp_path / "keys"), public_url="http://127.0.0.1:8000")
    demo_links_file(settings).write_text("  公众查询 / public query: {public_url}/?number=X1&name=张三\n", "utf-8")
    assert demo_links(settings) == [
        "  公众查询 / public query: http://127.0.0.1:8000/?number=X1&name=%E5%BC%A0%E4%B8%89"
    ]


def test_fake_terminal_a_prompt_ended_with_ctrl_d_is_cancelled_in_both_languages(
    env: dict[str, str], tmp_path: Path, fake_terminal: None
) -> None:
    """Ctrl-D (or Ctrl-C) at the passphrase prompt: click said "Aborted!", in English only."""
    seed_authority(env, tmp_path)
    del env["CERTREG_KEY_PASSPHRASE"]
    result = CliRunner().invoke(main, ["keys", "new", "--authority", "430000"], env=env, input="")
    assert result.exit_code == 1
    assert "已取消 / cancelled" in result.output
    assert "Aborted!" not in result.output
    assert not Path(env["CERTREG_KEY_DIR"]).exists() or not list(Path(env["CERTREG_KEY_DIR"]).iterdir())


def test_a_missing_key_directory_is_refused_once_the_registry_has_keys(env: dict[str, str], tmp_path: Path) -> None:
    """A mistyped CERTREG_KEY_DIR (or a key directory not restored yet) made `keys rotate` create that folder and
    seal the new active key there, retiring the old one: the registry's keys then lay in two places, and the
    passphrase check (it opens a key file already in the directory) had nothing to compare. Only the first key
    of a registry makes the directory."""
    seed_authority(env, tmp_path)
    assert invoke(env, "keys", "new", "--authority", "430000").exit_code == 0
    before = keyset(env)
    wrong = tmp_path / "kyes"
    for args in (["rotate", "--authority", "430000"], ["new", "--authority", "430000", "--purpose", "log"]):
        result = invoke({**env, "CERTREG_KEY_DIR": str(wrong)}, "keys", *args)
        assert result.exit_code == 2, result.output
        assert "密钥目录不存在 / the key directory" in result.output
        assert str(wrong) in result.output
        assert "CERTREG_KEY_DIR" in result.output
        assert not wrong.exists()
    assert msgspec.json.encode(keyset(env)) == msgspec.json.encode(before)
