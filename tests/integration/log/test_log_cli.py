"""``certreg log checkpoint`` and ``certreg log key``: what an operator runs after a batch and hands to monitors."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from issuer.cli import main
from registry.config import SettingsError
from registry.log.checkpoint import open_checkpoint
from registry.log.note import NoteVerifier
from tests.integration.cli.support import invoke
from tests.integration.log.tampering import ORIGIN, build, cli_env, on_database
from tests.support import make_settings


def test_checkpoint_then_key(empty_db_url: str, tmp_path: Path) -> None:
    on_database(empty_db_url, lambda db: build(db, tmp_path / "keys", count=2))  # publishes checkpoint 8
    env = cli_env(empty_db_url, tmp_path / "keys")
    published = invoke(env, "log", "checkpoint")
    assert published.exit_code == 0, published.output
    key = invoke(env, "log", "key")
    assert key.exit_code == 0
    checkpoint = open_checkpoint(published.output, NoteVerifier.parse(key.output))
    assert (checkpoint.origin, checkpoint.size) == (ORIGIN, 8)
    assert invoke(env, "log", "checkpoint").output == published.output  # size unchanged: the same checkpoint


def test_without_a_log_key_the_operator_is_told_what_to_run(empty_db_url: str, tmp_path: Path) -> None:
    result = invoke(cli_env(empty_db_url, tmp_path / "keys"), "log", "checkpoint")
    assert result.exit_code == 2
    assert "certreg keys new --authority <province> --purpose log" in result.output


@pytest.mark.parametrize("origin", ["", "has space/log", "a+b.example/log"])
def test_origin_must_be_a_note_key_name(origin: str) -> None:
    with pytest.raises(SettingsError, match="CERTREG_LOG_ORIGIN"):
        make_settings(log_origin=origin)


def test_an_operator_at_a_terminal_types_the_passphrase_to_sign(
    empty_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_database(empty_db_url, lambda db: build(db, tmp_path / "keys", count=2))
    env = cli_env(empty_db_url, tmp_path / "keys")
    del env["CERTREG_KEY_PASSPHRASE"]
    refused = invoke(env, "log", "checkpoint")  # CliRunner's stdin is not a terminal
    assert refused.exit_code == 2
    assert "缺少密钥口令 / no key passphrase" in refused.output
    monkeypatch.setattr("issuer.cli._common.stdin_is_terminal", lambda: True)  # an operator at a terminal
    typed = CliRunner().invoke(main, ["log", "checkpoint"], env=env, input="test-passphrase\n")
    assert typed.exit_code == 0, typed.output
    assert "密钥口令 / key passphrase" in typed.stderr
    assert "再次输入" not in typed.stderr  # signing with an existing key asks once
    assert "test-passphrase" not in typed.output
    key = invoke(env, "log", "key")
    checkpoint = open_checkpoint(typed.stdout, NoteVerifier.parse(key.output))
    assert checkpoint.origin == ORIGIN
