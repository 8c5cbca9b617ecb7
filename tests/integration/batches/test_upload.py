"""``POST /v1/batches``: every unusable upload gets a precise 4xx, and nothing is stored for it."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Mapping
from typing import Any

import openpyxl
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from issuer.app import create_app
from issuer.batches.template import build_template
from registry.db import Database
from registry.models import Batch, BatchRow, Event
from registry.vocab import CertificateKind
from tests.integration.batches.conftest import auth
from tests.integration.batches.helpers import FORM, Client, bilingual, csv_file, good_rows
from tests.support import make_settings


async def upload(
    client: Client,
    token: str,
    data: bytes,
    name: str = "results.csv",
    form: Mapping[str, str] = FORM,
    field: str = "file",
) -> Any:
    return await client.post("/v1/batches", files={field: (name, data)}, data=dict(form), headers=auth(token))


async def stored(database: Database) -> tuple[int, int, int]:
    async with database.reader() as session:
        return (
            int(await session.scalar(select(func.count()).select_from(Batch)) or 0),
            int(await session.scalar(select(func.count()).select_from(BatchRow)) or 0),
            int(await session.scalar(select(func.count()).select_from(Event)) or 0),
        )


def xlsx(rows: list[list[Any]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def zip_bomb() -> bytes:
    """A real XLSX with one extra member that expands a thousandfold (2 MB of zeros)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(build_template(CertificateKind.SKILL_LEVEL))) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr("xl/media/bomb.bin", b"\0" * 2_000_000)
    return out.getvalue()


HEADER_ROW = ["姓名", "身份证号", "职业编码", "等级"]
GOOD = ["张三", "430102199003071234", "6-31-01-03", "4"]


def damaged(change: Callable[[bytes], bytes]) -> bytes:
    """A valid one-row XLSX whose sheet XML is rewritten by ``change``: openpyxl only parses it (lazily)
    while the rows are read, past the workbook's own checks."""
    source_data = xlsx([HEADER_ROW, ["张三", "430102199003071234", "6-31-01-03", 4]])
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(source_data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            body = source.read(item)
            target.writestr(item, change(body) if item.filename == "xl/worksheets/sheet1.xml" else body)
    return out.getvalue()


def _cell(old: str, new: str) -> Callable[[bytes], bytes]:
    def change(sheet: bytes) -> bytes:
        assert old.encode() in sheet, old  # the rewrite must hit, or the case tests nothing
        return sheet.replace(old.encode(), new.encode())

    return change


DAMAGED = [
    ("truncated.xlsx", damaged(lambda sheet: sheet[: len(sheet) // 2])),
    ("letters_in_number.xlsx", damaged(_cell('<c r="D2" t="n"><v>4</v>', '<c r="D2" t="n"><v>abc</v>'))),
    ("bad_date.xlsx", damaged(_cell('<c r="D2" t="n"><v>4</v>', '<c r="D2" t="d"><v>2025-13-45</v>'))),
    (
        "bad_shared_string.xlsx",
        damaged(_cell('<c r="A2" t="inlineStr"><is><t>张三</t></is></c>', '<c r="A2" t="s"><v>999</v></c>')),
    ),
    ("bad_reference.xlsx", damaged(_cell('r="D2"', 'r="2D"'))),
]


UNUSABLE = [
    ("empty.csv", b"", "file.empty"),
    ("blank.csv", b"\r\n  \r\n", "file.empty"),
    ("photo.csv", bytes(range(256)) * 40, "file.binary"),
    ("bomb.xlsx", zip_bomb(), "file.zip_bomb"),
    ("formula.xlsx", xlsx([HEADER_ROW, ["张三", "=A1", "6-31-01-03", "4"]]), "file.formula"),
    ("rounded.xlsx", xlsx([HEADER_ROW, ["张三", 430102199003071234, "6-31-01-03", "4"]]), "file.number_precision"),
    ("fake.xlsx", b"name,id\r\n", "file.type"),
    ("zip.csv", b"PK\x03\x04" + b"\0" * 100, "file.type"),
    ("noheader.csv", csv_file([GOOD], header=GOOD), "file.no_header"),
    ("missing.csv", csv_file([["张三", "6-31-01-03"]], header=["姓名", "职业编码"]), "file.header_missing"),
    ("twice.csv", csv_file([[*GOOD, "x"]], header=[*HEADER_ROW, "name"]), "file.header_duplicate"),
    ("header_only.csv", csv_file([]), "file.no_rows"),
    # UTF-16 is read (tests/integration/batches/test_spreadsheets.py); a lone surrogate cannot be
    ("utf16.csv", b"\xff\xfe" + "姓名,身份证号".encode("utf-16-le") + b"\x00\xd8" * 20, "file.encoding"),
    ("header_only.xlsx", xlsx([HEADER_ROW]), "file.no_rows"),
    *((name, data, "file.corrupt") for name, data in DAMAGED),
]


async def test_unusable_files_are_422_with_a_code(client: Client, tokens: dict[str, str], world: Database) -> None:
    for name, data, code in UNUSABLE:  # one app for all: the cases differ only in the file
        response = await upload(client, tokens["institution"], data, name)
        assert response.status_code == 422, (name, response.text)
        body = response.json()
        assert body["code"] == code, name
        assert bilingual(body["error"]), name
        if name.startswith("utf16"):
            assert "the UTF-16 text is damaged and cannot be decoded" in body["error"]
    assert await stored(world) == (0, 0, 0)


WRONG_FIELDS: list[tuple[dict[str, tuple[str | None, bytes | str]], dict[str, str], str]] = [
    ({"upload": ("r.csv", b"x")}, FORM, "upload.field"),  # the file under another name
    ({k: (None, v) for k, v in FORM.items()}, {}, "upload.file_missing"),  # multipart, no file
    ({"file": (None, "张三,430102199003071234")}, FORM, "upload.file_missing"),  # text, not a file
    ({"file": ("r.csv", b"x"), "kind": (None, "qualification")}, FORM, "upload.field"),  # kind sent twice
    ({"file": ("r.csv", b"x")}, {**FORM, "kind": "diploma"}, "upload.kind"),
    ({"file": ("r.csv", b"x")}, {**FORM, "assessed_on": "2025/06/01"}, "upload.assessed_on"),
    ({"file": ("r.csv", b"x")}, {"kind": "skill_level", "assessed_on": "2025-06-01"}, "upload.field_missing"),
    ({"file": ("r.csv", b"x")}, {**FORM, "note": "hi"}, "upload.field"),
]


async def test_wrong_multipart_fields_are_400(client: Client, tokens: dict[str, str], world: Database) -> None:
    for files, form, code in WRONG_FIELDS:
        response = await client.post("/v1/batches", files=files, data=form, headers=auth(tokens["institution"]))
        assert response.status_code == 400, (code, response.text)
        assert response.json()["code"] == code
        assert bilingual(response.json()["error"]), code
    assert await stored(world) == (0, 0, 0)


async def test_a_json_body_is_415(client: Client, tokens: dict[str, str]) -> None:
    response = await client.post("/v1/batches", json=FORM, headers=auth(tokens["institution"]))
    assert response.status_code == 415
    assert response.json()["code"] == "upload.content_type"
    # both languages name the type that came (the Chinese said only "upload as multipart/form-data")
    assert response.json()["message_zh"] == "请以 multipart/form-data 上传文件（收到的是 application/json）"
    assert response.json()["message_en"] == "upload the file as multipart/form-data (got application/json)"


async def test_a_future_assessment_date_and_an_unknown_institution(client: Client, tokens: dict[str, str]) -> None:
    future = await upload(
        client, tokens["province_admin"], csv_file(good_rows(1)), form={**FORM, "assessed_on": "2999-01-01"}
    )
    assert (future.status_code, future.json()["code"]) == (422, "assessed_on.future")
    assert "future" in future.json()["error"]
    unknown = await upload(
        client, tokens["province_admin"], csv_file(good_rows(1)), form={**FORM, "institution": "NOPE"}
    )
    assert unknown.status_code == 404
    assert "no institution NOPE" in unknown.json()["error"]


async def test_size_and_row_limits(db_url: str, world: Database, tokens: dict[str, str]) -> None:
    settings = make_settings(database_url=db_url, max_upload_bytes=4000, max_rows=3)
    async with AsyncTestClient(create_app(settings)) as client:
        announced = await upload(client, tokens["institution"], b"x" * 200_000)  # Content-Length past the limit
        in_form = await upload(client, tokens["institution"], csv_file(good_rows(3)) + b"#" * 4000)  # file part
        rows = await upload(client, tokens["institution"], csv_file(good_rows(4)))
        fits = await upload(client, tokens["institution"], csv_file(good_rows(3)))
    assert (announced.status_code, announced.json()["code"]) == (413, "upload.too_large")
    assert (in_form.status_code, in_form.json()["code"]) == (413, "upload.too_large")
    assert "4000 bytes" in in_form.json()["error"]
    assert (rows.status_code, rows.json()["code"]) == (422, "file.too_many_rows")
    assert fits.status_code == 201
    assert (await stored(world))[:2] == (1, 3)


READABLE = [  # each file holds other people: the same person twice would be a pending duplicate
    ("utf8.csv", csv_file(good_rows(3, start=0))),
    ("bom.csv", b"\xef\xbb\xbf" + csv_file(good_rows(3, start=10))),
    ("gb.csv", csv_file(good_rows(3, start=20), encoding="gb18030")),
    ("tabs.csv", csv_file(good_rows(3, start=30)).replace(b",", b"\t")),
    ("english.csv", csv_file(good_rows(3, start=40), header=["Name", "ID number", "Occupation code", "Level"])),
    ("results.xlsx", xlsx([HEADER_ROW, *good_rows(3, start=50)])),
]


async def test_readable_files_in_every_encoding_and_format(client: Client, tokens: dict[str, str]) -> None:
    for name, data in READABLE:
        response = await upload(client, tokens["institution"], data, name)
        assert response.status_code == 201, (name, response.text)
        body = response.json()
        assert body["batch"]["counts"] == {"total": 3, "ok": 3, "bad": 0, "excluded": 0, "held": 0, "issued": 0}, name
        assert body["bad_rows"] == [], name
        assert body["batch"]["state"] == "submitted"


async def test_the_template_downloads_without_a_token(client: Client) -> None:
    response = await client.get("/v1/batches/template.xlsx?kind=special_ability")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [c.value for c in sheet[1]] == [
        "姓名\nname",
        "身份证号\nid_number",
        "证件类型\nid_type",
        "专项职业能力项目编码\nproject_code",
    ]
    bad = await client.get("/v1/batches/template.xlsx?kind=nope")
    assert bad.status_code == 400


async def test_the_size_limit_applies_to_the_file_not_the_multipart_body(
    db_url: str, world: Database, tokens: dict[str, str]
) -> None:
    # The multipart framing and form fields come on top of the limit: the routes' body limit is the file limit
    # plus a constant room (``FORM_SLACK``), so a small limit shows the boundary as the 20 MiB default does —
    # at 1/300 of the bytes (the default took 30 s per database).
    limit = 64 * 1024
    settings = make_settings(database_url=db_url, max_upload_bytes=limit)
    base = csv_file(good_rows(1))
    line = b"\r\n" + b"#" * 1000
    filler = line * ((limit - len(base)) // len(line))
    async with AsyncTestClient(create_app(settings)) as client:
        sizes = {}
        for size in (limit - 2, limit, limit + 1):
            data = base + filler + b"#" * (size - len(base) - len(filler))
            assert len(data) == size
            sizes[size] = await upload(client, tokens["institution"], data)
    assert sizes[limit - 2].status_code == 201, sizes[limit - 2].text
    assert sizes[limit].status_code == 201, sizes[limit].text
    assert (sizes[limit + 1].status_code, sizes[limit + 1].json()["code"]) == (413, "upload.too_large")


async def test_a_problem_names_a_two_line_template_header_on_one_line(
    client: Client, tokens: dict[str, str], world: Database
) -> None:
    """Issue 10, item 16: the template's headers are two lines (``姓名\\nname``); the ``cell.required`` message
    embedded the line break. Headers are shown with their whitespace normalised."""
    workbook = openpyxl.load_workbook(io.BytesIO(build_template(CertificateKind.SKILL_LEVEL)))
    sheet = workbook.worksheets[0]
    sheet.append(["", "430102199003071234", "", "6-31-01-03", "4"])  # the template's order; no document type
    out = io.BytesIO()
    workbook.save(out)
    response = await upload(client, tokens["institution"], out.getvalue(), name="results.xlsx")
    assert response.status_code == 201, response.text
    (row,) = response.json()["bad_rows"]
    (problem,) = row["problems"]
    assert problem["code"] == "cell.required"
    assert problem["column"] == "姓名 name"
    assert problem["message_zh"] == "“姓名 name”不能为空"
    assert "\n" not in problem["message_en"]
