"""Every way a legacy upload can go wrong is a 4xx (or a 503 when the server is not set up to sign) with a
zh + en message, never a 500, and nothing is stored (issue 13: "4xx not 500")."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from issuer.app import create_app
from issuer.auth import Role
from issuer.legacy import service, source
from registry.models import Certificate
from tests.integration.cli.support import command_env, invoke
from tests.integration.legacy.conftest import World
from tests.integration.legacy.files import csv_bytes, skill_rows
from tests.support import ID_HASH_KEY, make_settings


def _xlsx(rows: Sequence[Sequence[str]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GOOD = csv_bytes(skill_rows(1))
#: Excel's "Unicode text" with a lone surrogate: it is read (test_legacy_spreadsheets.py), this one cannot be.
DAMAGED_UTF16 = "证书编号\t姓名\r\n".encode("utf-16") + b"\x00\xd8a\x00"

BAD_FILES = [
    pytest.param(b"", "legacy.csv", 422, "file.empty", id="empty"),
    pytest.param(b"  \r\n \r\n", "legacy.csv", 422, "file.empty", id="blank-lines"),
    pytest.param(GOOD, "legacy.xlsx", 422, "file.type", id="csv-named-xlsx"),
    pytest.param(b"%PDF-1.7\x00\x01\x02\x03 binary", "scan.pdf", 422, "file.pdf", id="pdf"),
    pytest.param(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", "register.csv", 422, "file.pdf", id="pdf-named-csv"),
    pytest.param(b"PK\x03\x04 not really a zip", "legacy.csv", 422, "file.type", id="zip-named-csv"),
    pytest.param(b"PK\x03\x04 not really a zip", "legacy.xlsx", 422, "file.type", id="broken-xlsx"),
    pytest.param(DAMAGED_UTF16, "legacy.csv", 422, "file.encoding", id="utf-16-damaged"),
    pytest.param(b"a,b\r\n1,2\r\n", "legacy.csv", 422, "file.header_missing", id="wrong-columns"),
    pytest.param(_xlsx([("a", "b"), ("1", "2")]), "legacy.xlsx", 422, "file.header_missing", id="xlsx-wrong-columns"),
    pytest.param(csv_bytes([]), "legacy.csv", 422, "file.no_rows", id="header-only"),
    pytest.param(b"{", "legacy.json", 422, "file.json", id="json-broken"),
    pytest.param(b'{"number": "1"}', "legacy.json", 422, "file.json", id="json-not-array"),
    pytest.param(b"[]", "legacy.json", 422, "file.header_missing", id="json-empty-array"),
    pytest.param(b"[" * 3000 + b"]" * 3000, "legacy.json", 422, "file.json", id="json-deep"),
    pytest.param(b"x" * (21 * 1024 * 1024), "legacy.csv", 413, "upload.too_large", id="huge"),
]


async def _stored(world: World) -> int:
    async with world.database.reader() as session:
        return int(await session.scalar(select(func.count()).select_from(Certificate)) or 0)


@pytest.mark.parametrize(("data", "name", "status", "code"), BAD_FILES)
async def test_a_bad_file_is_a_4xx_with_a_bilingual_message(
    world: World, data: bytes, name: str, status: int, code: str
) -> None:
    answer = await world.post(data, name=name)
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["code"] == code
    assert " / " in body["error"]
    assert any("\u4e00" <= c <= "\u9fff" for c in body["error"])
    assert await _stored(world) == 0


async def test_a_header_without_required_columns_names_them_in_both_languages(world: World) -> None:
    """The Chinese half named no column ("缺少必需的列") while the English listed them."""
    answer = await world.post("证书编号,姓名,职业编码\r\n1,张三,6-31-01-03\r\n".encode())
    assert answer.status_code == 422, answer.text
    zh, _, en = answer.json()["error"].partition(" / ")
    assert zh == "缺少必需的列：证书类别、证件号码、机构编码、发证日期"
    assert en == "missing required columns: kind, id_number, institution, issued_on"


@pytest.mark.parametrize("quoted", [False, True], ids=["lines-to-workers", "read-with-csv"])
async def test_a_file_of_too_many_rows_is_refused_whole(
    world: World, quoted: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(source, "MAX_ROWS", 2)
    monkeypatch.setattr(service, "MAX_ROWS", 2)
    rows = skill_rows(3)
    if quoted:
        rows[0][8] = "湖南省,职业技能鉴定中心"  # written in quotes: the importer reads the file with csv
    answer = await world.post(csv_bytes(rows))
    assert (answer.status_code, answer.json()["code"]) == (422, "file.too_many_rows"), answer.text
    assert "2" in answer.json()["error"]
    assert await _stored(world) == 0


async def test_missing_fields_wrong_role_and_no_token_are_4xx(world: World) -> None:
    admin = {"Authorization": f"Bearer {world.tokens[Role.PROVINCE_ADMIN]}"}
    no_file = await world.client.post("/v1/legacy-imports", data={"source": "s"}, headers=admin)
    assert no_file.status_code == 415, no_file.text
    no_source = await world.client.post("/v1/legacy-imports", files={"file": ("a.csv", GOOD)}, headers=admin)
    assert (no_source.status_code, no_source.json()["code"]) == (400, "upload.field_missing")
    assert no_source.json()["error"].startswith("请填写来源名称（字段 source）/ the source's name"), no_source.text
    only_source = await world.client.post("/v1/legacy-imports", files={"source": (None, "s")}, headers=admin)
    assert (only_source.status_code, only_source.json()["code"]) == (400, "upload.file_missing")
    assert only_source.json()["error"].startswith("请选择历史证书文件（字段 file）"), "not the results file of a batch"
    bad_source = await world.post(GOOD, source="x" * 65)
    assert (bad_source.status_code, bad_source.json()["code"]) == (422, "legacy.source")
    reviewer = await world.post(GOOD, role=Role.PROVINCE_REVIEWER)
    assert reviewer.status_code == 403
    assert "province_admin" in reviewer.json()["error"]
    anonymous = await world.client.post("/v1/legacy-imports", files={"file": ("a.csv", GOOD)}, data={"source": "s"})
    assert anonymous.status_code == 401
    assert await _stored(world) == 0


@pytest.mark.parametrize("passphrase", [None, "not-the-passphrase"], ids=["no-passphrase", "wrong-passphrase"])
async def test_a_server_that_cannot_sign_answers_503_and_names_no_path(world: World, passphrase: str | None) -> None:
    settings = make_settings(
        database_url=world.database.url, key_dir=world.settings.keys.key_dir, key_passphrase=passphrase
    )
    async with AsyncTestClient(create_app(settings)) as client:
        answer = await client.post(
            "/v1/legacy-imports",
            files={"file": ("legacy.csv", GOOD)},
            data={"source": "hunan-osta"},
            headers={"Authorization": f"Bearer {world.tokens[Role.PROVINCE_ADMIN]}"},
        )
    assert answer.status_code == 503, answer.text
    body = answer.json()
    assert body["code"] == "keys.unavailable"
    assert "口令" in body["error"]
    assert "passphrase" in body["error"]
    assert world.settings.keys.key_dir not in answer.text
    assert ".key" not in answer.text
    assert await _stored(world) == 0


def _run_cli(world: World, data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "legacy.csv"
    path.write_bytes(data)
    env = command_env(world.database.url, world.settings.keys.key_dir, CERTREG_ID_HASH_KEY=ID_HASH_KEY, COLUMNS="80")
    result = invoke(env, "legacy", "import", str(path), "--source", "hunan-osta")
    assert "Traceback" not in result.output
    return result.output


async def test_the_cli_shows_each_bad_row_message_whole_in_both_languages(world: World, tmp_path: Path) -> None:
    """At a terminal 80 columns wide the table cut every Chinese message longer than its column to '…' (a
    run of Chinese has no space to wrap at): the operator read the English half only."""
    rows = skill_rows(2)
    rows[0][4] = rows[0][4][:-1]  # 17 characters
    rows[1][11], rows[1][12], rows[1][13] = "撤销", "", ""
    output = await asyncio.to_thread(_run_cli, world, csv_bytes(rows), tmp_path)

    flat = re.sub(r"[\s│]", "", output)  # the table's borders and the line breaks of wrapped cells
    for zh, en in (
        ("身份证号码应为18位：17位数字加1位校验码（数字或X）", "A resident ID number is 18 characters"),
        ("撤销的证书须有撤销日期", "a revoked certificate needs its revocation date"),
        ("撤销的证书须有撤销原因", "a revoked certificate needs its revocation reason"),
    ):
        assert zh in flat, output
        assert en.replace(" ", "") in flat, output
    assert "…" not in output
    assert rows[0][4] not in output  # the document number itself is never echoed
    assert await _stored(world) == 0


async def test_the_cli_summary_is_bilingual(world: World, tmp_path: Path) -> None:
    """The summary said '来源 / source …: N rows, imported …' — English but for one word."""
    output = await asyncio.to_thread(_run_cli, world, csv_bytes(skill_rows(2)), tmp_path)
    text = " ".join(output.split())
    assert "共 2 行，新导入 2，已存在 0，其中撤销 0" in text, output
    assert "2 rows, imported 2, already there 0, revoked 0" in text, output


async def test_the_cli_reports_its_checking_before_anything_is_stored(world: World, tmp_path: Path) -> None:
    """Pass 1 (every row checked and sealed before the first is stored) said nothing: minutes of silence
    for a large register. Now a line per chunk says how far it is and how many problems it found."""
    rows = skill_rows(3)
    rows[2][4] = rows[2][4][:-1]
    output = await asyncio.to_thread(_run_cli, world, csv_bytes(rows), tmp_path)
    text = " ".join(output.split())
    assert (
        "历史证书已检查 3 行，发现错误 1 处，尚未存入 / legacy: checked 3 rows (problems found: 1), nothing stored yet"
        in text
    )
    assert text.index("legacy: checked 3 rows") < text.index("nothing was imported")
