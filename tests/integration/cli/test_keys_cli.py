"""``certreg keys …`` and ``certreg demo load``: keys sealed on disk, public keys and events in the registry."""

from __future__ import annotations

import stat
from pathlib import Path

import msgspec
import pytest
from click.testing import CliRunner, Result

from issuer.cli import main
from keys.keyset import KeySet, KeyStatus
from keys.kid import b64url_decode, b64url_encode
from tests.support import ID_HASH_KEY

AUTHORITY_CSV = "code,name,level,region_code\n430000,湖南省职业技能鉴定中心,province,430000\n"
REGIONS_CSV = "code,name,parent_code\n430000,湖南省,\n"


@pytest.fixture
def env(empty_db_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "CERTREG_DATABASE_URL": empty_db_url,
        "CERTREG_KEY_DIR": str(tmp_path / "keys"),
        "CERTREG_KEY_PASSPHRASE": "correct horse",
        "CERTREG_KEY_KDF": "insecure-test-only",
        "CERTREG_ID_HASH_KEY": ID_HASH_KEY,
    }


def invoke(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


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

    marked = invoke(env, "keys", "compromised", second.kid, "--at", "2099-01-01T00:00:00+08:00", "--reason", "leak")
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
        (
            ("keys", "compromised", "AAAAAAAAAAA", "--at", "yesterday", "--reason", "x"),
            "不是 ISO 8601 时间 / not an ISO 8601",
        ),
        (
            ("keys", "compromised", "AAAAAAAAAAA", "--at", "2026-01-01T00:00:00", "--reason", "x"),
            "缺少时区 / give a time zone",
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


def test_missing_passphrase_is_a_clear_error(env: dict[str, str], tmp_path: Path) -> None:
    seed_authority(env, tmp_path)
    del env["CERTREG_KEY_PASSPHRASE"]
    result = invoke(env, "keys", "new", "--authority", "430000")
    assert result.exit_code == 2
    assert "CERTREG_KEY_PASSPHRASE" in result.output


def test_demo_load_is_idempotent(env: dict[str, str]) -> None:
    env = {**env, "CERTREG_DEMO_MODE": "1"}
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
    seed_authority(env, tmp_path)
    del env["CERTREG_KEY_PASSPHRASE"]
    result = invoke(env, "keys", "new", "--authority", "430000")
    assert result.exit_code == 2
    assert "缺少密钥口令 / no key passphrase" in result.output
    assert "CERTREG_KEY_PASSPHRASE_FILE" in result.output
    assert "Traceback" not in result.output
    assert not Path(env["CERTREG_KEY_DIR"]).exists() or not list(Path(env["CERTREG_KEY_DIR"]).iterdir())


def test_list_shows_whole_kids_at_80_columns(env: dict[str, str], tmp_path: Path) -> None:
    seed_authority(env, tmp_path)
    assert invoke(env, "keys", "new", "--authority", "430000").exit_code == 0
    assert invoke(env, "keys", "rotate", "--authority", "430000", "--reason", "annual").exit_code == 0
    marked_kid = keyset(env).active("430000")
    assert marked_kid is not None
    at = "2099-01-01T00:00:00+08:00"
    assert invoke(env, "keys", "compromised", marked_kid.kid, "--at", at, "--reason", "leak").exit_code == 0
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
    result = invoke(env, "keys", "compromised", kid, "--at", "2099-01-01T00:00:00+08:00", "--reason", "leak")
    assert result.exit_code == 2
    assert f"密钥 {kid} 不存在 / no key {kid}" in result.output
    assert "No such option" not in result.output
