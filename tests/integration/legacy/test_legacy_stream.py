"""A legacy file is streamed (issue 13: a million rows in flat memory): read from its path twice, chunk by
chunk, checked and signed in worker processes for large files; NDJSON as well as CSV; a photo column is
reported as not imported, never stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from issuer.auth import Principal, Role
from issuer.legacy import service
from issuer.legacy.service import LegacyImportError, import_legacy
from keys.keyset import KeySet
from registry.keyring import load_keyset
from registry.models import Certificate, HolderIdentity
from registry.qrtoken import encode_token
from registry.rules.checkdigits import mod11_2
from registry.rules.profiles import HUNAN
from tests.factories import PROVINCE, key_store
from tests.factories.world import resident_id
from tests.integration.legacy.conftest import World
from tests.integration.legacy.files import HEADER, csv_bytes, skill_rows
from verify.verifier import verify_token

ADMIN = Principal.for_operator("tester", role=Role.PROVINCE_ADMIN, org_code=PROVINCE)
KEYS = ("number", "kind", "name", "id_type", "id_number", "subject_code", "level", "institution", "authority",
        "issued_on", "print_serial", "status", "revoked_on", "revoke_reason")  # fmt: skip


async def _certificates(world: World) -> tuple[list[Certificate], KeySet, int]:
    async with world.database.reader() as session:
        found = list(await session.scalars(select(Certificate).order_by(Certificate.number)))
        identities = int(await session.scalar(select(func.count()).select_from(HolderIdentity)) or 0)
        return found, await load_keyset(session), identities


async def test_worker_processes_check_and_sign_a_file_read_from_its_path(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "MIN_PARALLEL_ROWS", 1)  # a small file, as if it were a large one
    path = tmp_path / "legacy.csv"
    path.write_bytes(csv_bytes(skill_rows(30)))
    store = key_store(Path(world.settings.keys.key_dir))
    report = await import_legacy(
        world.database, world.settings, store, HUNAN, ADMIN, path=path, source="osta", chunk_size=7, processes=2
    )
    assert (report.rows, report.imported, report.already, report.chunks) == (30, 30, 0, 5)
    certificates, keyset, identities = await _certificates(world)
    assert len(certificates) == 30
    assert identities == 30
    for certificate in certificates:  # signed in a worker by the province key, linked to a sealed identity
        verdict = verify_token(encode_token(certificate.statement, certificate.signature), keyset)
        assert verdict.valid, verdict.reason
        assert certificate.holder_identity_id is not None
    again = await import_legacy(
        world.database, world.settings, store, HUNAN, ADMIN, path=path, source="osta", chunk_size=7, processes=2
    )
    assert (again.imported, again.already, again.chunks) == (0, 30, 0)


async def test_worker_processes_refuse_a_number_rounded_with_its_column_in_an_earlier_chunk(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rounding shows in a chunk a worker checked after the one holding a rounded number whose check
    character fits: the file is refused naming both, nothing stored (no certificate, no sealed identity)."""
    monkeypatch.setattr(service, "MIN_PARALLEL_ROWS", 1)  # a small file, as if it were a large one
    people = range(1_200_000, 1_202_000)  # order codes from 101 on
    fits = next(n for n in people if mod11_2(resident_id(n)[:15] + "00") == "0")
    wrong = next(n for n in people if mod11_2(resident_id(n)[:15] + "00") != "0")
    rows = skill_rows(30)
    rows[1][4] = resident_id(fits)[:15] + "000"  # row 3, chunk 1
    rows[25][4] = resident_id(wrong)[:15] + "000"  # row 27, chunk 4
    path = tmp_path / "legacy.csv"
    path.write_bytes(csv_bytes(rows))
    store = key_store(Path(world.settings.keys.key_dir))
    with pytest.raises(LegacyImportError) as refused:
        await import_legacy(
            world.database, world.settings, store, HUNAN, ADMIN, path=path, source="osta", chunk_size=7, processes=2
        )
    assert [(p.row, p.column, p.code) for p in refused.value.problems] == [
        (3, "证件号码", "id.rounded_column"),
        (27, "证件号码", "id.rounded"),
    ]
    certificates, _, identities = await _certificates(world)
    assert (len(certificates), identities) == (0, 0)


async def test_an_ndjson_file_with_photos_imports_and_says_the_photos_were_not(world: World, tmp_path: Path) -> None:
    rows = [dict(zip(KEYS, row, strict=True)) for row in skill_rows(3)]
    for row, photo in zip(rows, ["", "data:image/jpeg;base64,/9j/4AAQ", "photos/3.jpg"], strict=True):
        row["照片"] = photo
    path = tmp_path / "legacy.ndjson"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n\n", encoding="utf-8")
    report = await import_legacy(
        world.database, world.settings, key_store(Path(world.settings.keys.key_dir)), HUNAN, ADMIN, path=path,
        source="osta",
    )  # fmt: skip
    assert report.imported == 3
    (notice,) = report.notices
    assert notice.code == "legacy.photo_not_imported"
    assert "2" in notice.message_zh
    assert "not imported" in notice.message_en
    answer = await world.post(csv_bytes([[*r, "x.jpg"] for r in skill_rows(2, start=50)], (*HEADER, "照片")))
    assert answer.status_code == 201, answer.text
    assert answer.json()["notices"][0]["code"] == "legacy.photo_not_imported"


async def test_a_file_without_photos_has_no_notice(world: World) -> None:
    answer = await world.post(csv_bytes(skill_rows(1)))
    assert answer.status_code == 201, answer.text
    assert answer.json()["notices"] == []
