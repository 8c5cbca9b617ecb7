"""``certreg issue`` and ``certreg batches list|show`` as an operator runs them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select

from issuer.cli import _common, main
from registry.db import Database
from registry.models import Batch, Certificate, Event
from tests.factories import SKILL_INSTITUTION, add_keys, key_store
from tests.integration.batches.helpers import csv_file, good_rows
from tests.integration.batches.test_spreadsheets import ENCRYPTED, filtered_sheet, workbook
from tests.integration.cli.support import command_env, seed
from tests.support import ID_HASH_KEY, TEST_KEY_DIR, selected


def _count(url: str) -> tuple[int, int]:
    async def count() -> tuple[int, int]:
        async with Database(url) as database, database.reader() as session:
            batches = await session.scalar(select(func.count()).select_from(Batch))
            events = await session.scalar(select(func.count()).select_from(Event))
            return int(batches or 0), int(events or 0)

    return asyncio.run(count())


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables as wide as they need: where a worker process finds a terminal, rich would squeeze them."""
    monkeypatch.setattr(_common.console, "size", (240, 50))


@pytest.fixture
def seeded(empty_db_url: str) -> str:
    seed(empty_db_url)
    return empty_db_url


def certreg(url: str, *args: str) -> Result:
    # importing seals the holders' numbers under the identity KEK, opened with the key passphrase
    env = command_env(url, TEST_KEY_DIR, CERTREG_ID_HASH_KEY=ID_HASH_KEY)
    return CliRunner().invoke(main, list(args), env=env)


def flat(text: str) -> str:
    """Output with rich's line wrapping undone (the console wraps at 80 columns when not a terminal)."""
    return " ".join(text.split())


CREW = (
    "--submitter", "alice", "--city-reviewer", "bob", "--province-reviewer", "carol", "--issuer", "dave",
)  # fmt: skip


def issue(url: str, path: Path, *extra: str, crew: tuple[str, ...] = CREW) -> Result:
    return certreg(
        url, "issue", str(path), "--institution", SKILL_INSTITUTION, "--kind", "skill_level",
        "--assessed-on", "2025-06-01", *crew, *extra,
    )  # fmt: skip


def test_issue_imports_reviews_and_starts_the_notice_and_is_idempotent(seeded: str, tmp_path: Path) -> None:
    path = tmp_path / "results.csv"
    path.write_bytes(csv_file(good_rows(3, level="3")))
    first = issue(seeded, path)
    assert first.exit_code == 0, first.output
    assert "steps: imported, city_reviewed, province_approved, notice_started" in flat(first.stdout)
    assert "公示中 (under_notice)" in flat(first.stdout)
    assert "can be issued once the notice has ended" in flat(first.stdout)
    assert "检查各行 check" in first.stderr
    assert "3/3" in first.stderr
    after_first = _count(seeded)
    again = issue(seeded, path)
    assert again.exit_code == 0, again.output
    assert "批次 1：继续 / continued；步骤 / steps: found:under_notice" in flat(again.stdout)
    assert _count(seeded) == after_first  # nothing imported or recorded twice


def test_bad_rows_stop_the_run_until_excluded(seeded: str, tmp_path: Path) -> None:
    path = tmp_path / "results.csv"
    path.write_bytes(csv_file([*good_rows(2), ["王五", "430102199003071235", "6-31-01-03", "4"]]))
    stopped = issue(seeded, path)
    assert stopped.exit_code == 1
    assert "id.checksum" in flat(stopped.stdout)
    assert "--exclude-bad" in flat(stopped.stdout)
    going = issue(seeded, path, "--exclude-bad")
    assert going.exit_code == 0, going.output
    assert "steps: found:submitted, excluded_bad, city_reviewed, province_approved, notice_started" in flat(
        going.stdout
    )
    shown = certreg(seeded, "batches", "show", "1")
    assert shown.exit_code == 0, shown.output
    assert "batch.rows_excluded" in flat(shown.stdout)
    assert "cli:alice:institution:" + SKILL_INSTITUTION in flat(shown.stdout)
    assert "cli:bob:city_reviewer:430100" in flat(shown.stdout)
    assert "ok 2, bad 0, excluded 1" in flat(shown.stdout)
    listed = certreg(seeded, "batches", "list", "--state", "under_notice")
    assert listed.exit_code == 0
    assert "2/0/1/0/0" in flat(listed.stdout)
    none = certreg(seeded, "batches", "list", "--state", "issued")
    assert "没有批次 / no batches" in flat(none.stdout)


def test_operator_mistakes_exit_2(seeded: str, tmp_path: Path) -> None:
    path = tmp_path / "results.csv"
    path.write_bytes(b"")
    empty = issue(seeded, path)
    assert empty.exit_code == 2
    assert "file is empty" in flat(empty.stderr)
    path.write_bytes(csv_file(good_rows(1)))
    bad_date = certreg(
        seeded, "issue", str(path), "--institution", SKILL_INSTITUTION, "--kind", "skill_level", "--assessed-on", "6/1"
    )
    assert bad_date.exit_code == 2
    assert "YYYY-MM-DD" in flat(bad_date.output)
    missing = certreg(seeded, "batches", "show", "42")
    assert missing.exit_code == 2
    assert "no batch 42" in flat(missing.stderr)


def test_issue_goes_on_to_issuing_once_the_notice_has_ended(seeded: str, tmp_path: Path) -> None:
    """With a zero-day notice (set for this test) the same run imports, reviews, notices and issues."""

    async def keys() -> None:
        async with Database(seeded) as database:
            await add_keys(database, key_store(tmp_path / "keys"))

    asyncio.run(keys())
    path = tmp_path / "results.csv"
    path.write_bytes(csv_file(good_rows(4, level="4")))
    env = {
        "CERTREG_DATABASE_URL": seeded,
        "CERTREG_ID_HASH_KEY": ID_HASH_KEY,
        "CERTREG_NOTICE_DAYS": "0",
        "CERTREG_DEMO_MODE": "1",
        "CERTREG_KEY_DIR": str(tmp_path / "keys"),
        "CERTREG_KEY_PASSPHRASE": "test-passphrase",
    }
    args = [
        "issue",
        str(path),
        "--institution",
        SKILL_INSTITUTION,
        "--kind",
        "skill_level",
        "--assessed-on",
        "2025-06-01",
        *CREW,
    ]
    first = CliRunner().invoke(main, args, env=env)
    assert first.exit_code == 0, first.output
    assert "notice_started" in flat(first.stdout)
    issued = _issued(seeded)
    assert len(issued) == 4
    assert "本次发证 / issued now │ 4" in flat(first.stdout)
    assert f"{issued[0]} … {issued[-1]}" in flat(first.stdout)
    again = CliRunner().invoke(main, args, env=env)
    assert again.exit_code == 0, again.output
    assert _issued(seeded) == issued  # issuing twice issues once
    assert "steps: found:issued" in flat(again.stdout)
    assert "下一步 / next: 已发证 / issued" in flat(again.stdout)


def _issued(url: str) -> list[str]:
    return selected(url, select(Certificate.number).order_by(Certificate.number))


def test_issue_names_an_operator_per_step_and_none_does_two(seeded: str, tmp_path: Path) -> None:
    """No province-admin bypass: each step of ``certreg issue`` is done by the operator named for it, in that
    step's role; a step without one stops the run, and one person may not do two reviews (rule 7)."""
    path = tmp_path / "results.csv"
    path.write_bytes(csv_file(good_rows(2, level="4")))
    nobody = issue(seeded, path, crew=())
    assert nobody.exit_code == 2
    assert "--submitter" in flat(nobody.stderr)
    assert _count(seeded) == (0, 0)  # nothing imported, nothing logged
    halfway = issue(seeded, path, crew=("--submitter", "alice", "--city-reviewer", "bob"))
    assert halfway.exit_code == 2
    assert "--province-reviewer" in flat(halfway.stderr)  # level 4 needs the province review too
    twice = issue(seeded, path, crew=("--submitter", "alice", "--province-reviewer", "bob"))
    assert twice.exit_code == 2
    assert "separation of duties: cli:bob reviewed at the city" in flat(twice.stderr)
    done = issue(seeded, path, crew=("--submitter", "alice", "--province-reviewer", "carol"))
    assert done.exit_code == 0, done.output
    assert "steps: found:city_reviewed, province_approved, notice_started" in flat(done.stdout)


def test_issue_refuses_a_password_protected_or_filtered_workbook_naming_why(seeded: str, tmp_path: Path) -> None:
    """The CLI reads the file as the upload does (tests/integration/batches/test_spreadsheets.py)."""
    path = tmp_path / "results.xlsx"
    path.write_bytes(ENCRYPTED)
    encrypted = issue(seeded, path)
    assert encrypted.exit_code == 2
    assert "the workbook is protected by a password" in flat(encrypted.stderr)
    path.write_bytes(workbook(filtered_sheet))
    filtered = issue(seeded, path)
    assert filtered.exit_code == 2
    assert "rows 3, 5 are hidden in sheet 'Sheet'" in flat(filtered.stderr)
    assert _count(seeded) == (0, 0)


def test_names_and_files_are_printed_as_written_not_as_rich_markup(seeded: str, tmp_path: Path) -> None:
    """An operator called ``ok`` made the actor ``cli:ok:institution:…``, which rich printed as
    ``cli🆗institution:…`` (its ``:ok:`` emoji code); a file named ``成绩[bold].csv`` was printed ``成绩.csv``
    and a reason holding ``[/b]`` stopped the table with a MarkupError traceback. Typed text is not markup."""
    path = tmp_path / "成绩[bold].csv"
    path.write_bytes(csv_file(good_rows(2, level="3")))
    crew = ("--submitter", "ok", "--city-reviewer", "bob", "--province-reviewer", "carol", "--issuer", "dave")
    issued = issue(seeded, path, crew=crew)
    assert issued.exit_code == 0, issued.output
    assert "成绩[bold].csv" in flat(issued.stdout)
    shown = certreg(seeded, "batches", "show", "1")
    assert shown.exit_code == 0, shown.output
    assert "cli:ok:institution:" + SKILL_INSTITUTION in flat(shown.stdout)
    assert "🆗" not in shown.stdout


def test_issue_names_the_columns_the_import_did_not_read(seeded: str, tmp_path: Path) -> None:
    """A clerk who typed the results into a column the import does not read (考核成绩) was never told: the CLI
    printed the batch and its bad rows, and the ignored columns only reached the API's answer."""
    path = tmp_path / "results.csv"
    header = ("姓名", "身份证号", "职业编码", "等级", "考核成绩", "备注")
    path.write_bytes(csv_file([[*row, "85", ""] for row in good_rows(2, level="3")], header))
    first = issue(seeded, path)
    assert first.exit_code == 0, first.output
    assert "未读取的列 / columns not read: 考核成绩, 备注" in flat(first.stdout)
    clean = tmp_path / "clean.csv"
    clean.write_bytes(csv_file(good_rows(2, start=10, level="3")))
    read_whole = issue(seeded, clean)
    assert read_whole.exit_code == 0, read_whole.output
    assert "columns not read" not in flat(read_whole.stdout)
