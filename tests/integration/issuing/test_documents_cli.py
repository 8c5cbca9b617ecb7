"""``certreg certificates pdf``, ``certreg batches certificates`` and ``certreg batches photos``: the operator's
path to certificate documents, through the same services as the routes."""

from __future__ import annotations

import asyncio
import io
import zipfile
from pathlib import Path

from click.testing import CliRunner
from PIL import Image
from sqlalchemy import select

from issuer.cli import main
from issuer.documents.extract import extract_token
from registry.db import Database
from registry.models import Event
from registry.qrtoken import encode_token
from tests.factories import HOLDER_IDS, add_keys, key_store, seed_world
from tests.integration.cli.support import command_env
from tests.integration.issuing.sealed import seal_and_issue
from tests.integration.log.tampering import log_seeded_filings
from tests.support import ID_HASH_KEY, make_settings, selected


def _env(db_url: str, key_dir: Path) -> dict[str, str]:
    return command_env(
        db_url, key_dir, CERTREG_ID_HASH_KEY=ID_HASH_KEY, CERTREG_PUBLIC_URL="http://testserver", CERTREG_REDIS_URL=""
    )


def _prepare(db_url: str, key_dir: Path) -> tuple[int, list[tuple[str, str]]]:
    async def seed() -> tuple[int, list[tuple[str, str]]]:
        async with Database(db_url) as database:
            await seed_world(database)
            await log_seeded_filings(database)  # so that the audit below sees a sound log
            store = key_store(key_dir)
            await add_keys(database, store)
            settings = make_settings(database_url=db_url, key_dir=str(key_dir))
            batch_id, certificates = await seal_and_issue(database, store, settings)
            return batch_id, [(c.number, encode_token(c.statement, c.signature)) for c in certificates]

    return asyncio.run(seed())


def _kinds(db_url: str) -> list[str]:
    return selected(db_url, select(Event.kind).order_by(Event.idx))


def test_the_cli_writes_one_certificate_a_batch_zip_and_a_print_run(empty_db_url: str, tmp_path: Path) -> None:
    batch_id, certificates = _prepare(empty_db_url, tmp_path / "keys")
    env = _env(empty_db_url, tmp_path / "keys")
    number, token = certificates[0]
    one = tmp_path / "one.pdf"
    result = CliRunner().invoke(main, ["certificates", "pdf", number, "-o", str(one), "--operator", "alice"], env=env)
    assert result.exit_code == 0, result.output
    assert extract_token(one.read_bytes()) == token
    archive = tmp_path / "batch.zip"
    args = ["batches", "certificates", str(batch_id), "--format", "zip", "--variant", "electronic", "-o", str(archive)]
    first = CliRunner().invoke(main, args, env=env)
    assert first.exit_code == 0, first.output
    said = " ".join(first.stdout.split())  # rich wraps at 80 columns
    assert "新绘制 3 份" in said  # the note in brackets was English only
    assert "3 drawn" in said
    names = zipfile.ZipFile(archive).namelist()
    assert names == [f"{n}.pdf" for n, _ in certificates] + ["manifest.csv"]
    again = CliRunner().invoke(main, args, env=env)
    said = " ".join(again.stdout.split())
    assert "取自已保存的文件" in said
    assert "from the kept file" in said
    run = tmp_path / "run.pdf"
    printed = CliRunner().invoke(main, ["batches", "certificates", str(batch_id), "--format", "pdf", "-o", str(run)],
                                 env=env)  # fmt: skip
    assert printed.exit_code == 0, printed.output
    assert run.read_bytes().startswith(b"%PDF")
    kinds = _kinds(empty_db_url)
    assert kinds.count("certificate.document") == 1
    assert kinds.count("batch.documents") == 3
    audit = CliRunner().invoke(main, ["audit", "--state", str(tmp_path / "audit.json")], env=env)
    assert audit.exit_code == 0, audit.output
    bad = CliRunner().invoke(main, ["certificates", "pdf", "12345", "-o", str(one)], env=env)
    assert bad.exit_code == 2
    assert "错误 / error" in bad.stderr


def test_the_cli_stores_photos_and_reports_problems_by_row(empty_db_url: str, tmp_path: Path) -> None:
    batch_id, _ = _prepare(empty_db_url, tmp_path / "keys")
    env = _env(empty_db_url, tmp_path / "keys")
    photo = io.BytesIO()
    Image.new("RGB", (330, 440), (40, 90, 160)).save(photo, "JPEG")
    archive = tmp_path / "photos.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr(f"{HOLDER_IDS[0]}.jpg", photo.getvalue())
        out.writestr(f"{HOLDER_IDS[1]}.jpg", b"not an image")
    result = CliRunner().invoke(main, ["batches", "photos", str(batch_id), str(archive)], env=env)
    assert result.exit_code == 0, result.output
    assert "rows with a photo stored: 2" in result.stdout
    assert "photo.type" in result.stdout
    assert "rows still without a photo (box left empty): 3, 4" in result.stdout.replace("\n", " ")
    assert not any(number in result.output for number in HOLDER_IDS)
    assert "batch.photos" in _kinds(empty_db_url)
    audit = CliRunner().invoke(main, ["audit", "--state", str(tmp_path / "audit.json")], env=env)
    assert audit.exit_code == 0, audit.output  # photo and document events keep the log and identities sound
