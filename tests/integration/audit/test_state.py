"""``certreg audit`` remembers the checkpoints it confirmed in a state file of its own: a log rewritten and
re-signed after the stored checkpoints were deleted is still found by the next audit."""

from __future__ import annotations

from pathlib import Path

import msgspec
from sqlalchemy import delete

from registry.audit.state import AuditState
from registry.models import Checkpoint
from tests.integration.audit.test_certificates_cli import audit, rewrite_with_hash
from tests.integration.cli.support import invoke
from tests.integration.log.tampering import ORIGIN, build, cli_env, grow, on_database, sql


def state_of(path: Path) -> AuditState:
    return msgspec.json.decode(path.read_bytes(), type=AuditState)


def test_the_audit_keeps_the_checkpoints_it_confirmed_beside_the_key_directory(
    empty_db_url: str, tmp_path: Path
) -> None:
    on_database(empty_db_url, lambda db: build(db, tmp_path / "keys"))
    assert audit(empty_db_url, tmp_path)[:2] == (0, [])
    state = state_of(tmp_path / "audit-state.json")
    assert (state.origin, [seen.size for seen in state.checkpoints]) == (ORIGIN, [11])
    on_database(empty_db_url, lambda db: grow(db, tmp_path / "keys", 2, "乙"))
    assert audit(empty_db_url, tmp_path)[:2] == (0, [])
    assert [seen.size for seen in state_of(tmp_path / "audit-state.json").checkpoints] == [11, 13]


def test_a_rewrite_resigned_over_deleted_checkpoints_is_found(empty_db_url: str, tmp_path: Path) -> None:
    on_database(empty_db_url, lambda db: build(db, tmp_path / "keys"))  # 11 leaves, checkpoint 11
    assert audit(empty_db_url, tmp_path)[:2] == (0, [])  # remembers checkpoint 11
    rewrite_with_hash(empty_db_url, 7, actor="somebody else")
    on_database(empty_db_url, lambda db: sql(db, delete(Checkpoint)))
    on_database(empty_db_url, lambda db: grow(db, tmp_path / "keys", 1, "乙"))  # signs checkpoint 12 anew
    code, findings, _ = audit(empty_db_url, tmp_path)
    assert code == 1
    assert [(kind, record) for kind, record, _ in findings] == [
        ("checkpoint.deleted", "checkpoint 11"),
        ("checkpoint.fork", "checkpoint 11"),
        ("log.rewritten", "leaves 0-10"),
    ]


def test_a_checkpoint_resigned_at_the_same_size_is_found(empty_db_url: str, tmp_path: Path) -> None:
    on_database(empty_db_url, lambda db: build(db, tmp_path / "keys"))
    state = tmp_path / "elsewhere" / "audit.json"
    env = cli_env(empty_db_url, tmp_path / "keys")
    assert invoke(env, "audit", "--state", str(state)).exit_code == 0
    rewrite_with_hash(empty_db_url, 7, actor="somebody else")
    on_database(empty_db_url, lambda db: sql(db, delete(Checkpoint)))
    assert invoke(env, "log", "checkpoint").exit_code == 0  # re-signs size 11 over the rewritten leaf
    result = invoke(env, "audit", "--state", str(state))
    assert result.exit_code == 1
    findings = [tuple(line.split("\t")[:2]) for line in result.output.splitlines() if "\t" in line]
    assert findings == [
        ("checkpoint.fork", "checkpoint 11"),  # the stored one differs from the one seen
        ("checkpoint.fork", "checkpoint 11"),  # the events no longer give the one seen
        ("log.rewritten", "leaves 0-10"),
    ]
    assert [seen.size for seen in state_of(state).checkpoints] == [11]
    assert state_of(state).checkpoints[0].note != ""


def test_an_unusable_state_file_exits_2(empty_db_url: str, tmp_path: Path) -> None:
    on_database(empty_db_url, lambda db: build(db, tmp_path / "keys"))
    env = cli_env(empty_db_url, tmp_path / "keys")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    result = invoke(env, "audit", "--state", str(broken))
    assert result.exit_code == 2
    assert "the audit state file" in result.output
    other = tmp_path / "other.json"
    other.write_bytes(msgspec.json.encode(AuditState(origin="other.example/log")))
    result = invoke(env, "audit", "--state", str(other))
    assert result.exit_code == 2
    assert "is for the log other.example/log" in result.output
