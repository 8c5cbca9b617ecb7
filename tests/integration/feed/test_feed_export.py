"""The national exchange feed round trip (issue 13 phase 2, docs/feed.md): ``certreg feed export`` writes
NDJSON, CSV and XLSX in the national field order with the holders' full identities, and a manifest whose
Ed25519 signature verifies with the province's public key from ``GET /v1/keys`` and whose SHA-256s match
the files; the export is a ``feed.exported`` event; the next export resumes after the last event."""

from __future__ import annotations

import asyncio
import base64
import csv
import hashlib
import io
import json
import os
import sys
from pathlib import Path

import nacl.signing
import openpyxl
import pytest
from sqlalchemy import func, select

from issuer.feed.fields import NATIONAL_FIELDS
from issuer.feed.manifest import verify_manifest
from keys.kid import b64url_decode
from registry.config import Settings
from registry.events import decode_entry
from registry.models import Event
from tests.factories import PROVINCE
from tests.integration.cli.support import command_env, invoke
from tests.integration.feed.conftest import World
from tests.integration.legacy.files import mixed_rows, skill_rows
from tests.support import ID_HASH_KEY


def _export(settings: Settings, since: int, out: Path) -> str:
    env = command_env(settings.database.database_url, settings.keys.key_dir, CERTREG_ID_HASH_KEY=ID_HASH_KEY)
    args = ["feed", "export", "--since", str(since), "--out", str(out), "--reason", "国家库上报 / national upload"]
    result = invoke(env, *args)
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


async def test_the_feed_round_trip_with_its_manifest_verified_by_the_public_key(world: World, tmp_path: Path) -> None:
    rows = mixed_rows()
    await world.load(rows)
    out = tmp_path / "feed"
    output = await asyncio.to_thread(_export, world.settings, 0, out)

    manifest_path = next(out.glob("*.manifest.json"))
    keys = (await world.client.get("/v1/keys")).json()
    entries = keys["keys"] if isinstance(keys, dict) else keys
    signed = json.loads(manifest_path.read_bytes())
    (entry,) = [k for k in entries if k["kid"] == signed["manifest"]["kid"]]
    assert (entry["authority"], entry["purpose"]) == (PROVINCE, "statement")
    manifest = verify_manifest(manifest_path.read_bytes(), b64url_decode(entry["public_key"]))
    tampered = manifest_path.read_bytes().replace(b'"records": 7', b'"records": 6')
    with pytest.raises(ValueError, match="does not verify"):
        verify_manifest(tampered, b64url_decode(entry["public_key"]))
    assert manifest.counts == {"records": 7, "issued": 3, "imported": 3, "revoked": 1}
    for file in manifest.files:  # every file is the one the manifest signed
        data = (out / file.name).read_bytes()
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (file.sha256, file.bytes)
        assert (out / file.name).stat().st_mode & 0o077 == 0

    lines = [json.loads(line) for line in (out / f"feed-1-{manifest.last_event}.ndjson").read_text().splitlines()]
    assert [list(line) for line in lines[:1]] == [[name for name, _ in NATIONAL_FIELDS]]
    by_event = {(line["certificate_number"], line["event"]): line for line in lines}
    passport = by_event[(rows[1][0], "imported")]
    assert (passport["document_type"], passport["document_type_code"], passport["document_number"]) == (
        "passport",
        "414",
        "E12345678",
    )
    assert (passport["print_serial"], passport["origin"]) == ("OSTA20150001", "hunan-osta")
    revoked = by_event[(rows[1][0], "revoked")]
    assert (revoked["status"], revoked["reason"]) == ("revoked", "考试作弊 / cheating")
    assert by_event[(rows[0][0], "issued")]["document_number"] == rows[0][4]

    table = list(csv.reader(io.StringIO((out / f"feed-1-{manifest.last_event}.csv").read_bytes().decode("utf-8-sig"))))
    assert table[0] == [f"{zh} {name}" for name, zh in NATIONAL_FIELDS]
    assert len(table) == 8
    book = openpyxl.load_workbook(out / f"feed-1-{manifest.last_event}.xlsx")
    assert book.sheetnames == ["feed"]
    sheet_rows = [
        ["" if cell is None else str(cell) for cell in row] for row in book["feed"].iter_rows(values_only=True)
    ]
    assert sheet_rows == table  # "same header and order": the header cells were '中文\nfield' in the sheet

    async with world.database.reader() as session:
        exported = await session.scalar(select(Event).where(Event.kind == "feed.exported"))
    assert exported is not None
    assert exported.subject == f"feed:1-{manifest.last_event}"
    details = decode_entry(exported.data).details
    assert details["manifest_sha256"] == hashlib.sha256(manifest_path.read_bytes()).digest()
    assert f"next: --since {manifest.last_event}" in output
    assert f"下次导出：--since {manifest.last_event}" in output  # the summary was English only

    await world.load(skill_rows(1, start=40))  # the next export holds only what came since
    await asyncio.to_thread(_export, world.settings, manifest.last_event, out)
    later = sorted(out.glob("*.ndjson"))[-1] if len(list(out.glob("*.ndjson"))) > 1 else None
    assert later is not None
    events = [json.loads(line)["event"] for line in later.read_text().splitlines()]
    assert events == ["issued", "imported"]


async def test_a_since_past_the_newest_event_is_refused_and_writes_nothing(world: World, tmp_path: Path) -> None:
    """An export after an event the log does not hold yet was empty and said 'next: --since <it>': every
    event up to that id, appended later, would never reach the national system."""
    await world.load(skill_rows(1))
    async with world.database.reader() as session:
        newest = await session.scalar(select(func.max(Event.idx)))
    assert newest is not None
    env = command_env(
        world.settings.database.database_url, world.settings.keys.key_dir, CERTREG_ID_HASH_KEY=ID_HASH_KEY
    )
    out = tmp_path / "feed"
    args = ["feed", "export", "--out", str(out), "--reason", "国家库上报 / national upload"]
    result = await asyncio.to_thread(invoke, env, *args, "--since", str(newest + 1))

    assert result.exit_code != 0
    text = " ".join(result.output.split())
    assert f"超出透明日志末尾（最新事件编号 {newest}）" in text
    assert f"past the end of the log (newest event {newest})" in text
    assert "Traceback" not in text
    assert not out.exists() or not any(out.iterdir())
    async with world.database.reader() as session:
        assert await session.scalar(select(Event).where(Event.kind == "feed.exported")) is None

    at_the_end = await asyncio.to_thread(_export, world.settings, newest, out)  # nothing new yet: allowed
    assert f"0 records, events {newest + 1}–{newest}" in at_the_end


async def test_an_output_directory_that_cannot_be_made_logs_no_export(world: World, tmp_path: Path) -> None:
    """The directory was made after the feed.exported event: an --out through a file (or /proc) left an
    export in the log that wrote nothing."""
    await world.load(skill_rows(1))
    (tmp_path / "a-file").write_text("")
    env = command_env(
        world.settings.database.database_url, world.settings.keys.key_dir, CERTREG_ID_HASH_KEY=ID_HASH_KEY
    )
    out = tmp_path / "a-file" / "feed"
    args = ["feed", "export", "--since", "0", "--out", str(out), "--reason", "国家库上报 / national upload"]
    result = await asyncio.to_thread(invoke, env, *args)

    assert result.exit_code == 2
    assert "无法读写文件 / cannot use file" in " ".join(result.output.split())
    async with world.database.reader() as session:
        assert await session.scalar(select(Event).where(Event.kind == "feed.exported")) is None


async def test_a_receiver_checks_the_manifest_by_the_documented_steps_and_resumes_without_repeats(
    world: World, tmp_path: Path
) -> None:
    """docs/feed.md "Manifest", step by step as a receiver without this project's code: the key of ``kid``
    from ``GET /v1/keys``, Ed25519 over ``certreg:feed-manifest:v1 NUL`` + the manifest as JSON with sorted
    keys and no spaces, then each file's SHA-256 and size. An export resumed from an event id in the middle
    holds exactly the events after it, none twice."""
    await world.load(mixed_rows())
    await world.load(skill_rows(2, start=40))
    whole = await asyncio.to_thread(_export, world.settings, 0, tmp_path / "whole")

    (path,) = (tmp_path / "whole").glob("*.manifest.json")
    document = json.loads(path.read_bytes())
    entries = (await world.client.get("/v1/keys")).json()["keys"]
    (entry,) = [key for key in entries if key["kid"] == document["manifest"]["kid"]]
    public_key = base64.urlsafe_b64decode(entry["public_key"] + "=" * (-len(entry["public_key"]) % 4))
    signed = json.dumps(document["manifest"], sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    nacl.signing.VerifyKey(public_key).verify(
        b"certreg:feed-manifest:v1\x00" + signed, base64.b64decode(document["signature"], validate=True)
    )  # raises BadSignatureError if it does not verify
    assert {file["name"].rsplit(".", 1)[1] for file in document["manifest"]["files"]} == {"ndjson", "csv", "xlsx"}
    for file in document["manifest"]["files"]:
        data = (tmp_path / "whole" / file["name"]).read_bytes()
        assert (hashlib.sha256(data).hexdigest(), len(data), file["records"]) == (file["sha256"], file["bytes"], 11)
    assert "next: --since" in whole

    def records(directory: Path) -> list[dict[str, object]]:
        (ndjson,) = directory.glob("*.ndjson")
        return [json.loads(line) for line in ndjson.read_text(encoding="utf-8").splitlines()]

    every = records(tmp_path / "whole")
    middle = int(str(every[4]["event_id"]))
    await asyncio.to_thread(_export, world.settings, middle, tmp_path / "rest")
    rest = records(tmp_path / "rest")
    assert rest == [record for record in every if int(str(record["event_id"])) > middle]
    assert len({record["event_id"] for record in every}) == len(every) == 11


async def test_an_export_that_cannot_open_the_identities_ends_with_its_message_only(
    world: World, tmp_path: Path
) -> None:
    """A wrong key passphrase (the KEK does not open) printed its bilingual message, then, at the process's
    exit, openpyxl's 'Exception ignored … ValueError: I/O operation on closed file' traceback of the
    abandoned workbook. A real ``certreg`` process: the traceback came at interpreter shutdown."""
    await world.load(skill_rows(1))
    env = {
        **os.environ,
        **command_env(
            world.settings.database.database_url, world.settings.keys.key_dir, CERTREG_ID_HASH_KEY=ID_HASH_KEY
        ),
        "CERTREG_KEY_PASSPHRASE": "not-the-passphrase",
    }
    env.pop("CERTREG_REDIS_URL", None)
    out = tmp_path / "feed"
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "certreg"), "feed", "export", "--since", "0", "--out", str(out),
        "--reason", "国家库上报 / national upload",
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    text = " ".join((stdout + stderr).decode().split())
    assert process.returncode == 2, text
    assert "口令错误" in text
    assert "wrong passphrase" in text
    assert "Traceback" not in text
    assert "Exception ignored" not in text
    assert not out.exists()  # the directory the export made, removed with nothing in it
    async with world.database.reader() as session:
        assert await session.scalar(select(Event).where(Event.kind == "feed.exported")) is None


@pytest.mark.parametrize("existed", [False, True], ids=["made-by-the-export", "there-before"])
async def test_an_export_that_fails_early_removes_only_the_directory_it_made(
    world: World, tmp_path: Path, existed: bool
) -> None:
    """A wrong passphrase left behind the empty ``--out`` directory (and its parents) the command had made; a
    directory that was there before the command is kept, as it was."""
    await world.load(skill_rows(1))
    env = command_env(
        world.settings.database.database_url, world.settings.keys.key_dir,
        CERTREG_ID_HASH_KEY=ID_HASH_KEY, CERTREG_KEY_PASSPHRASE="not-the-passphrase",
    )  # fmt: skip
    out = tmp_path / "exports" / "feed"
    if existed:
        out.mkdir(parents=True)
    args = ["feed", "export", "--since", "0", "--out", str(out), "--reason", "国家库上报 / national upload"]
    result = await asyncio.to_thread(invoke, env, *args)

    assert result.exit_code == 2, result.output
    assert "wrong passphrase" in " ".join(result.output.split())
    if existed:
        assert out.is_dir()
        assert not any(out.iterdir())
    else:
        assert not (tmp_path / "exports").exists()
