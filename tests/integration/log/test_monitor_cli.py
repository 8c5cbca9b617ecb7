"""``certreg monitor`` against the verify app over real HTTP: it follows an honest log, and raises (exit 1)
when the log is truncated and regrown, rolled back, re-signed by another key or serves a forged note."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update

from keys.signing import SigningKey
from registry.log.note import NoteVerifier
from registry.models import Checkpoint
from tests.factories import PROVINCE
from tests.integration.cli.support import invoke
from tests.integration.log.server import serving
from tests.integration.log.tampering import ORIGIN, build, cli_env, grow, on_database, sql, truncate
from tests.support import make_settings


@pytest.fixture
def log_url(empty_db_url: str, tmp_path: Path) -> Iterator[str]:
    on_database(empty_db_url, lambda db: build(db, tmp_path / "keys"))  # 11 leaves, checkpoint 11
    with serving(make_settings(database_url=empty_db_url, log_origin=ORIGIN)) as url:
        yield url


def monitor(empty_db_url: str, tmp_path: Path, url: str, *extra: str) -> tuple[int, str]:
    result = invoke(
        cli_env(empty_db_url, tmp_path / "keys"), "monitor", url, "--state", str(tmp_path / "seen.json"), *extra
    )
    return result.exit_code, result.output


def test_follows_an_honest_log_trusting_the_key_on_first_use(empty_db_url: str, tmp_path: Path, log_url: str) -> None:
    code, output = monitor(empty_db_url, tmp_path, log_url)
    assert code == 0, output
    assert "trust on first use" in output
    assert "first checkpoint recorded: size 11" in output
    code, output = monitor(empty_db_url, tmp_path, log_url)
    assert (code, "no new checkpoint: size 11" in output) == (0, True)
    on_database(empty_db_url, lambda db: grow(db, tmp_path / "keys", 3, "乙"))
    code, output = monitor(empty_db_url, tmp_path, log_url)
    assert code == 0, output
    assert "consistent: size 11 → 14" in output
    state = json.loads((tmp_path / "seen.json").read_text())
    assert [seen["size"] for seen in state["checkpoints"]] == [11, 14]
    assert state["verifier_key"].startswith(f"{ORIGIN}+")


def test_detects_a_truncated_and_regrown_log(empty_db_url: str, tmp_path: Path, log_url: str) -> None:
    assert monitor(empty_db_url, tmp_path, log_url)[0] == 0  # saw checkpoint 11
    on_database(empty_db_url, lambda db: truncate(db, 8, drop_checkpoints=True))
    on_database(empty_db_url, lambda db: grow(db, tmp_path / "keys", 6, "丙"))  # 14 leaves, other history
    code, output = monitor(empty_db_url, tmp_path, log_url)
    assert code == 1
    assert "ALARM [fork]" in output
    assert "size 14 is not consistent with the one of size 11" in output
    state = json.loads((tmp_path / "seen.json").read_text())
    assert [seen["size"] for seen in state["checkpoints"]] == [11]  # the forked checkpoint is not accepted
    assert state["alarms"][0].startswith("fork:")


def test_detects_a_rollback(empty_db_url: str, tmp_path: Path, log_url: str) -> None:
    assert monitor(empty_db_url, tmp_path, log_url)[0] == 0
    on_database(empty_db_url, lambda db: truncate(db, 8, drop_checkpoints=True))
    on_database(empty_db_url, lambda db: grow(db, tmp_path / "keys", 1, "丁"))  # 9 leaves < 11 seen
    code, output = monitor(empty_db_url, tmp_path, log_url)
    assert code == 1
    assert "ALARM [rolled_back]" in output


def test_detects_a_forged_note_and_a_changed_key(empty_db_url: str, tmp_path: Path, log_url: str) -> None:
    assert monitor(empty_db_url, tmp_path, log_url)[0] == 0
    forged = f"{ORIGIN}\n11\n{'A' * 43}=\n\n\u2014 {ORIGIN} {'A' * 92}\n"  # a signature of zeros
    on_database(empty_db_url, lambda db: sql(db, update(Checkpoint).values(note=forged)))
    code, output = monitor(empty_db_url, tmp_path, log_url)
    assert code == 1
    assert "ALARM [bad_signature]" in output
    other = "other.example/log+01234567+AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="
    code, output = monitor(empty_db_url, tmp_path, log_url, "--key", other)
    assert code == 1
    assert "ALARM [key_changed]" in output


def test_follows_a_log_key_rotation_only_when_accepted(empty_db_url: str, tmp_path: Path, log_url: str) -> None:
    env = cli_env(empty_db_url, tmp_path / "keys")
    assert monitor(empty_db_url, tmp_path, log_url)[0] == 0  # pinned the first log key, saw checkpoint 11
    old_key = json.loads((tmp_path / "seen.json").read_text())["verifier_key"]
    assert invoke(env, "keys", "rotate", "--authority", PROVINCE, "--purpose", "log").exit_code == 0
    on_database(empty_db_url, lambda db: grow(db, tmp_path / "keys", 1, "乙"))  # signed by the new key
    new_key = invoke(env, "log", "key").stdout.strip()  # stdout: the server in this process logs to stderr
    assert new_key != old_key
    code, output = monitor(empty_db_url, tmp_path, log_url)
    assert (code, "ALARM [key_changed]" in output) == (1, True)

    code, output = monitor(empty_db_url, tmp_path, log_url, "--accept-key", new_key)
    assert code == 0, output
    assert f"accepted the new key: {new_key}" in output
    assert "consistent: size 11 → 14" in output  # 2 key events and 1 certificate, proven to extend 11
    state = json.loads((tmp_path / "seen.json").read_text())
    assert state["verifier_key"] == new_key
    assert [(c["previous"], c["accepted"]) for c in state["key_changes"]] == [(old_key, new_key)]
    assert state["alarms"][0].startswith("key_changed:")  # the history is kept
    assert [seen["size"] for seen in state["checkpoints"]] == [11, 14]
    assert monitor(empty_db_url, tmp_path, log_url)[0] == 0

    another_log = NoteVerifier.of("other.example/log", SigningKey.from_seed(bytes([2]) * 32).public_key).encode()
    code, output = monitor(empty_db_url, tmp_path, log_url, "--accept-key", another_log)
    assert code == 2
    assert "that is another log" in output
    code, output = monitor(empty_db_url, tmp_path, log_url, "--key", new_key, "--accept-key", new_key)
    assert code == 2
    assert "not both" in output


def test_cannot_check_an_unreachable_log(empty_db_url: str, tmp_path: Path) -> None:
    code, output = monitor(empty_db_url, tmp_path, "http://127.0.0.1:9")
    assert code == 2
    assert "cannot check" in output


@pytest.mark.parametrize(
    "url", ["http://[::1", "http://127.0.0.1:9/?x=1", "http://user:secret@127.0.0.1:9/", "ftp://x"]
)
def test_a_url_that_is_no_log_address_is_refused_in_both_languages(empty_db_url: str, tmp_path: Path, url: str) -> None:
    """``http://[::1`` was a ValueError traceback; a query or credentials made the routes' URLs nonsense."""
    code, output = monitor(empty_db_url, tmp_path, url)
    assert code == 2, output
    assert "须为日志的 http:// 或 https:// 网址" in output
    assert "the log's http:// or https:// URL, without a query" in output
    assert "secret" not in output


def test_a_key_given_or_announced_is_checked_before_it_is_said_pinned(
    empty_db_url: str, tmp_path: Path, log_url: str
) -> None:
    code, output = monitor(empty_db_url, tmp_path, log_url, "--key", "garbage")
    assert code == 2
    assert "pinned" not in output
    code, output = monitor(empty_db_url, tmp_path, log_url + "/q")  # a page answers, not a verifier key
    assert code == 2
    assert "pinned" not in output
    assert "cannot check" in output
    assert not any(line.startswith("<") for line in output.splitlines()), output  # the page's body on one line
