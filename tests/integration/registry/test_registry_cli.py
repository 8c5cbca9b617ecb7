"""``certreg registry load`` and ``certreg demo load`` as an operator runs them: exit codes and what is printed."""

from __future__ import annotations

import asyncio
from pathlib import Path

from click.testing import CliRunner, Result
from sqlalchemy import func, select

from issuer.cli import main
from registry.db import Database
from registry.models import Event, Region
from tests.integration.cli.support import command_env


def rows_in(url: str, model: type[Region] | type[Event]) -> int:
    """How many rows of ``model`` the database at ``url`` holds (read after the command has exited)."""

    async def _count() -> int:
        async with Database(url) as database, database.reader() as session:
            return int(await session.scalar(select(func.count()).select_from(model)) or 0)

    return asyncio.run(_count())


def load_regions(db_url: str, tmp_path: Path, text: str, **env: str) -> Result:
    """``certreg registry load regions.csv`` with ``text`` as the file, as an operator runs it."""
    regions = tmp_path / "regions.csv"
    regions.write_text(text, encoding="utf-8")
    return CliRunner().invoke(main, ["registry", "load", str(regions)], env={"CERTREG_DATABASE_URL": db_url, **env})


def test_demo_load_refuses_a_non_hunan_profile_before_loading_anything(empty_db_url: str, tmp_path: Path) -> None:
    env = command_env(
        empty_db_url,
        tmp_path / "keys",
        CERTREG_PROFILE="sichuan",
        CERTREG_KEY_PASSPHRASE="correct horse",
        CERTREG_DEMO_MODE="1",
    )
    result = CliRunner().invoke(main, ["demo", "load"], env=env)
    assert result.exit_code == 2, result.output
    assert "cannot be loaded under CERTREG_PROFILE=sichuan" in result.output
    assert "演示数据属于湖南省" in result.output
    assert "Traceback" not in result.output
    assert rows_in(empty_db_url, Region) == 0
    assert rows_in(empty_db_url, Event) == 0
    assert not (tmp_path / "keys").exists()


def test_demo_load_refuses_to_run_outside_the_demo_mode(empty_db_url: str, tmp_path: Path) -> None:
    """The demo batch is noticed for 0 days: only the demo mode (make run) may shorten a notice (rule 8)."""
    env = command_env(empty_db_url, tmp_path / "keys", CERTREG_KEY_PASSPHRASE="correct horse")
    result = CliRunner().invoke(main, ["demo", "load"], env=env)
    assert result.exit_code == 2, result.output
    assert "CERTREG_DEMO_MODE=1" in result.output
    assert rows_in(empty_db_url, Region) == 0
    assert not (tmp_path / "keys").exists()


def test_registry_load_lists_every_bad_row_and_exits_2(empty_db_url: str, tmp_path: Path) -> None:
    text = "code,name,parent_code\n430000,湖南省,\n999999,无此省,\n430100,长沙市,439900\n"
    result = load_regions(empty_db_url, tmp_path, text)
    assert result.exit_code == 2, result.output
    assert "regions.csv: 2 处错误，未载入任何数据 / 2 problems, nothing loaded" in result.output
    assert "regions row 3 [code] region.format" in result.output
    assert "regions row 4 [parent_code] reference.unknown" in result.output
    assert "Traceback" not in result.output
    assert rows_in(empty_db_url, Region) == 0


def test_registry_load_refuses_malformed_csv_quoting_with_exit_2(empty_db_url: str, tmp_path: Path) -> None:
    result = load_regions(empty_db_url, tmp_path, 'code,name,parent_code\n430000,"湖南省,\n430100,长沙市,430000\n')
    assert result.exit_code == 2, result.output
    assert "line 2: malformed CSV" in result.output
    assert rows_in(empty_db_url, Region) == 0


def test_registry_load_prints_what_it_loaded(empty_db_url: str, tmp_path: Path) -> None:
    text = "code,name,parent_code\n430000,湖南省,\n430100,长沙市,430000\n"
    result = load_regions(empty_db_url, tmp_path, text, CERTREG_PROFILE="sichuan")
    assert result.exit_code == 0, result.output
    assert "regions" in result.output
    assert rows_in(empty_db_url, Region) == 2
