"""The spreadsheets issuers really keep, uploaded through ``POST /v1/batches``: what Excel and WPS on Chinese
Windows save is read when it is unambiguous, and refused with a precise bilingual 422 when it is not —
never a 500, and nothing stored for a refusal."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Sequence

import httpx
import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select

from registry.db import Database
from registry.models import BatchRow
from registry.rules.checkdigits import mod11_2
from tests.factories import ELECTRICIAN
from tests.integration.batches.helpers import Client, bilingual, csv_file, good_rows, resident_id
from tests.integration.batches.test_upload import HEADER_ROW, stored, upload


def workbook(build: Callable[[openpyxl.Workbook, Worksheet], None]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    build(book, sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def unicode_text(rows: list[list[str]], *, bom: bool = True) -> bytes:
    """Excel's "Unicode text (*.txt)": tab-separated UTF-16 little-endian, with its byte order mark."""
    text = "".join("\t".join(row) + "\r\n" for row in [HEADER_ROW, *rows])
    return (b"\xff\xfe" if bom else b"") + text.encode("utf-16-le")


def assert_refused(response: httpx.Response, code: str, *says: str) -> None:
    """A 422 with ``code`` whose bilingual message says each of ``says``."""
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == code
    assert bilingual(body["error"])
    for words in says:
        assert words in body["error"]


def _title_and_merged(_: openpyxl.Workbook, sheet: Worksheet) -> None:
    """A printed results sheet: a title merged over the columns, the header, then one occupation code and
    one level merged down the rows of their candidates."""
    sheet.append(["2025年第一批电工职业技能等级认定成绩表"])
    sheet.merge_cells("A1:D1")
    sheet.append(HEADER_ROW)
    for i, (name, number, _subject, _level) in enumerate(good_rows(3, start=300)):
        sheet.append([name, number, ELECTRICIAN if i == 0 else None, 4 if i == 0 else None])
    sheet.merge_cells("C3:C5")
    sheet.merge_cells("D3:D5")


READ = [  # each holds other people, so no file is a duplicate of another
    ("unicode.txt", unicode_text(good_rows(2, start=200))),
    ("unicode_no_bom.txt", unicode_text(good_rows(2, start=210), bom=False)),
    ("gbk.csv", csv_file(good_rows(2, start=220), encoding="gbk")),
    ("title_merged.xlsx", workbook(_title_and_merged)),
]


async def test_what_excel_and_wps_save_is_read(client: Client, tokens: dict[str, str]) -> None:
    answers = {}
    for name, data in READ:
        response = await upload(client, tokens["institution"], data, name)
        body = response.json()
        answers[name] = (response.status_code, body.get("bad_rows"), body.get("batch", {}).get("counts", {}).get("ok"))
    assert answers == {name: (201, [], 3 if name.startswith("title") else 2) for name, _ in READ}


async def test_an_id_number_typed_loosely_is_normalised(client: Client, tokens: dict[str, str]) -> None:
    """Spaces around and inside, full-width digits and letters, a lower-case check character: one number."""
    with_x = next(resident_id(n) for n in range(400, 600) if resident_id(n).endswith("X"))
    full_width = str.maketrans("0123456789X", "０１２３４５６７８９ｘ")
    rows = [
        ["张三", f"  {resident_id(600)} ", ELECTRICIAN, "4"],
        ["李四", resident_id(601).translate(full_width), ELECTRICIAN, "4"],
        ["王五", with_x.lower(), ELECTRICIAN, "4"],
        ["赵六", f"{resident_id(602)[:6]}\u00a0{resident_id(602)[6:]}", ELECTRICIAN, "4"],
        ["钱七", f"\ufeff{resident_id(603)}\u200b", ELECTRICIAN, "4"],  # copied from a web page or a chat
    ]
    body = (await upload(client, tokens["institution"], csv_file(rows))).json()
    assert body["bad_rows"] == []
    assert body["batch"]["counts"]["ok"] == 5


async def test_an_id_number_marked_as_text_is_read_without_the_mark(client: Client, tokens: dict[str, str]) -> None:
    """Systems that export ID numbers for Excel mark them as text: a leading apostrophe (typed with a Chinese
    input method it is ‘ or ’), or Excel's ``="…"``. The mark is no part of the number; it had made every such
    row the misleading ``id.format`` ("18 characters"), though the 18 characters were all there."""
    rows = [
        ["张三", f"'{resident_id(640)}", ELECTRICIAN, "4"],
        ["李四", f"\u2018{resident_id(641)}", ELECTRICIAN, "4"],
        ["王五", f"\u2019{resident_id(642)}\u2019", ELECTRICIAN, "4"],
        ["赵六", f'="{resident_id(643)}"', ELECTRICIAN, "4"],
        ["钱七", f"\uff07{resident_id(644)}", ELECTRICIAN, "4"],
    ]
    response = await upload(client, tokens["institution"], csv_file(rows))
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["bad_rows"], body["batch"]["counts"]["ok"]) == ([], 5)
    twice = [["孙八", f"''{resident_id(645)}", ELECTRICIAN, "4"]]  # one mark is read, not any number of quotes
    response = await upload(client, tokens["institution"], csv_file(twice))
    assert [p["code"] for r in response.json()["bad_rows"] for p in r["problems"]] == ["id.format"]


async def test_an_id_number_excel_rounded_is_named(client: Client, tokens: dict[str, str]) -> None:
    rounded = next(n[:15] + "000" for n in map(resident_id, range(610, 630)) if mod11_2(n[:15] + "00") != "0")
    rows = [["张三", "4.30102E+17", ELECTRICIAN, "4"], ["李四", rounded, ELECTRICIAN, "4"], good_rows(1, start=630)[0]]
    response = await upload(client, tokens["institution"], csv_file(rows))
    assert response.status_code == 201, response.text
    scientific, fifteen = response.json()["bad_rows"]
    assert [(r["row"], r["problems"][0]["column"], r["problems"][0]["code"]) for r in (scientific, fifteen)] == [
        (2, "身份证号", "id.scientific"),
        (3, "身份证号", "id.rounded"),
    ]
    assert "科学计数法" in scientific["problems"][0]["message_zh"]
    assert "format the column as text" in scientific["problems"][0]["message_en"]
    assert "keeps only 15 digits" in fifteen["problems"][0]["message_en"]


async def test_an_id_number_rounded_with_its_column_is_named_though_its_check_character_fits(
    client: Client, tokens: dict[str, str], world: Database
) -> None:
    """A column saved as numbers loses the last three digits of every ID number (``…071000``): one in eleven of
    them ends in a check character that still fits. Alone, such a number may be someone's; beside numbers of
    the same file that Excel demonstrably rounded, it is one more, and had been stored for a wrong person."""
    people = range(1_200_000, 1_202_000)  # order codes from 101 on: rounded, one reads 100, an assigned code
    fits = next(n for n in people if mod11_2(resident_id(n)[:15] + "00") == "0")
    wrong = next(n for n in people if mod11_2(resident_id(n)[:15] + "00") != "0")
    rows = [
        ["张三", resident_id(wrong)[:15] + "000", ELECTRICIAN, "4"],
        ["李四", resident_id(fits)[:15] + "000", ELECTRICIAN, "4"],
        good_rows(1, start=2100)[0],
    ]
    response = await upload(client, tokens["institution"], csv_file(rows))
    assert response.status_code == 201, response.text
    problems = {r["row"]: [(p["column"], p["code"]) for p in r["problems"]] for r in response.json()["bad_rows"]}
    assert problems == {2: [("身份证号", "id.rounded")], 3: [("身份证号", "id.rounded_column")]}
    message = response.json()["bad_rows"][1]["problems"][0]
    assert "format the column as text" in message["message_en"]
    assert "文本格式" in message["message_zh"]
    async with world.reader() as session:  # no digest of the rounded number is kept
        digests = (await session.scalars(select(BatchRow.holder_id_digest).order_by(BatchRow.row_no))).all()
    assert digests[:2] == [bytes(32), bytes(32)]
    alone = [["王五", resident_id(fits)[:15] + "000", ELECTRICIAN, "4"]]  # a number that may well be someone's
    response = await upload(client, tokens["institution"], csv_file(alone))
    assert response.json()["bad_rows"] == []


def filtered_sheet(_: openpyxl.Workbook, sheet: Worksheet) -> None:
    """A sheet filtered down to those who passed: the others are still there, hidden."""
    sheet.append(HEADER_ROW)
    for row in good_rows(4, start=620):
        sheet.append(row)
    sheet.row_dimensions[3].hidden = True
    sheet.row_dimensions[5].hidden = True


def _hidden_empty_row(_: openpyxl.Workbook, sheet: Worksheet) -> None:
    sheet.append(HEADER_ROW)
    sheet.append(good_rows(1, start=630)[0])
    sheet.row_dimensions[3].hidden = True  # nothing in it: nothing hidden


async def test_hidden_rows_refuse_the_file_naming_them(client: Client, tokens: dict[str, str], world: Database) -> None:
    response = await upload(client, tokens["institution"], workbook(filtered_sheet), "results.xlsx")
    assert_refused(
        response, "file.hidden_rows", "第 3、5 行被隐藏", "rows 3, 5 are hidden in sheet 'Sheet' (2 in all, a filter?)"
    )
    assert await stored(world) == (0, 0, 0)
    empty = await upload(client, tokens["institution"], workbook(_hidden_empty_row), "results.xlsx")
    assert empty.status_code == 201, empty.text


def _hidden_id_column(_: openpyxl.Workbook, sheet: Worksheet) -> None:
    sheet.append(HEADER_ROW)
    sheet.append(good_rows(1, start=640)[0])
    sheet.column_dimensions["B"].hidden = True  # 身份证号


def _hidden_notes_column(_: openpyxl.Workbook, sheet: Worksheet) -> None:
    sheet.append([*HEADER_ROW, "备注"])
    sheet.append([*good_rows(1, start=650)[0], "补考"])
    sheet.column_dimensions[get_column_letter(len(HEADER_ROW) + 1)].hidden = True


async def test_a_hidden_column_the_import_reads_refuses_the_file(
    client: Client, tokens: dict[str, str], world: Database
) -> None:
    """A hidden 身份证号 column was read as any other: what the reviewer saw was not what would be stored."""
    response = await upload(client, tokens["institution"], workbook(_hidden_id_column), "results.xlsx")
    assert_refused(
        response,
        "file.hidden_columns",
        f"B（{HEADER_ROW[1]}） 列被隐藏",
        f"column B ({HEADER_ROW[1]!r}) of sheet 'Sheet' is hidden",
    )
    assert await stored(world) == (0, 0, 0)
    notes = await upload(client, tokens["institution"], workbook(_hidden_notes_column), "results.xlsx")
    assert notes.status_code == 201, notes.text  # a hidden column nothing reads is harmless


def _with_cells(rows: Sequence[Sequence[object]], change: dict[str, str]) -> bytes:
    """A one-sheet XLSX of ``rows`` whose sheet XML is then rewritten (``old`` → ``new``): openpyxl cannot
    write an error value (``#N/A`` pasted as a value) itself."""

    def fill(_: openpyxl.Workbook, sheet: Worksheet) -> None:
        for row in rows:
            sheet.append(row)

    data = workbook(fill)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                for old, new in change.items():
                    assert old.encode() in body, old  # the rewrite must hit, or the case tests nothing
                    body = body.replace(old.encode(), new.encode())
            target.writestr(item, body)
    return out.getvalue()


async def test_an_unusable_cell_refuses_the_file_only_in_a_column_the_import_reads(
    client: Client, tokens: dict[str, str], world: Database
) -> None:
    """An Excel error value pasted with the values (``#N/A`` of a VLOOKUP) was read as an empty cell: in
    证件类型 a resident ID card, in 考核日期 the form's date, in 身份证号 "required" for a cell that shows
    #N/A. A long number in a column nothing reads (an 18-digit 准考证号 typed as a number) refused the whole
    file, though no value of it would be kept."""
    name, number, subject, _ = good_rows(1, start=720)[0]
    header = [*HEADER_ROW, "证件类型", "准考证号"]
    lookup = _with_cells(
        [header, [name, number, subject, 4, "居民身份证", "备注"]],
        {'<c r="E2" t="inlineStr"><is><t>居民身份证</t></is></c>': '<c r="E2" t="e"><v>#N/A</v></c>'},
    )
    response = await upload(client, tokens["institution"], lookup, "results.xlsx")
    assert_refused(
        response,
        "file.error_value",
        "单元格 E2（证件类型）是 Excel 错误值 #N/A",
        "cell E2 (证件类型) holds the Excel error #N/A",
    )
    assert await stored(world) == (0, 0, 0)
    in_notes = _with_cells(
        [header, [name, number, subject, 4, "", "备注"]],
        {'<c r="F2" t="inlineStr"><is><t>备注</t></is></c>': '<c r="F2" t="e"><v>#N/A</v></c>'},
    )
    ticket = _with_cells([header, [*good_rows(1, start=721)[0], "", 202506010000000123]], {})
    for data in (in_notes, ticket):
        response = await upload(client, tokens["institution"], data, "results.xlsx")
        assert response.status_code == 201, response.text
        assert response.json()["ignored_columns"] == ["准考证号"]


COMPOUND = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504)  # the header of an OLE2 compound file
ENCRYPTED = COMPOUND + "EncryptedPackage".encode("utf-16-le") + bytes(1000)  # an XLSX with an open password
OLD_XLS = COMPOUND + "Workbook".encode("utf-16-le") + bytes(1000)  # Excel 97-2003
#: (file name extension, file, code, words of the refusal): named whatever the file's name says (the legacy
#: import is refused the same, tests/integration/legacy/test_legacy_spreadsheets.py).
OLD_WORKBOOKS = [
    (".xlsx", ENCRYPTED, "file.encrypted", "remove the password"),
    (".csv", ENCRYPTED, "file.encrypted", "remove the password"),
    (".xls", OLD_XLS, "file.xls", "(.xls)"),
    (".xlsx", OLD_XLS, "file.xls", "(.xls)"),
    (".csv", OLD_XLS, "file.xls", "(.xls)"),
]


def _hidden_results_sheet(book: openpyxl.Workbook, sheet: Worksheet) -> None:
    """Results in view, and an older copy of them on a sheet hidden from view (右键 → 隐藏)."""
    sheet.title = "成绩"
    sheet.append(HEADER_ROW)
    sheet.append(good_rows(1, start=660)[0])
    older = book.create_sheet("旧成绩")
    older.append(HEADER_ROW)
    older.append(good_rows(1, start=661)[0])
    older.sheet_state = "hidden"


def _only_hidden_results(book: openpyxl.Workbook, sheet: Worksheet) -> None:
    sheet.title = "说明"
    sheet.append(["本表为2025年第一批电工成绩"])
    results = book.create_sheet("成绩")
    results.append(HEADER_ROW)
    results.append(good_rows(1, start=662)[0])
    results.sheet_state = "veryHidden"


def _hidden_code_list(book: openpyxl.Workbook, sheet: Worksheet) -> None:
    """A template's hidden list of codes for its drop-downs: no results, harmless."""
    sheet.append(HEADER_ROW)
    sheet.append(good_rows(1, start=663)[0])
    codes = book.create_sheet("代码表")
    codes.append(["职业编码", "职业名称"])
    codes.append([ELECTRICIAN, "电工"])
    codes.sheet_state = "hidden"


async def test_results_on_a_hidden_sheet_refuse_the_file_naming_it(
    client: Client, tokens: dict[str, str], world: Database
) -> None:
    """A hidden sheet was read as any other: results nobody saw were imported (or, beside the sheet in view,
    refused as "several sheets hold results" naming a sheet the issuer cannot find)."""
    for build, name in ((_hidden_results_sheet, "旧成绩"), (_only_hidden_results, "成绩")):
        response = await upload(client, tokens["institution"], workbook(build), "results.xlsx")
        assert_refused(response, "file.hidden_sheet", f"工作表 {name} 被隐藏", f"sheet {name!r} is hidden")
    assert await stored(world) == (0, 0, 0)
    codes = await upload(client, tokens["institution"], workbook(_hidden_code_list), "results.xlsx")
    assert codes.status_code == 201, codes.text


async def test_old_and_password_protected_workbooks_are_named_whatever_their_name(
    client: Client, tokens: dict[str, str], world: Database
) -> None:
    for extension, data, code, words in OLD_WORKBOOKS:
        name = f"results{extension}"
        response = await upload(client, tokens["institution"], data, name)
        assert response.status_code == 422, (name, response.text)
        body = response.json()
        assert (body["code"], bilingual(body["error"])) == (code, True), name
        assert words in body["error"], name
    assert await stored(world) == (0, 0, 0)


async def test_a_refused_header_echoes_no_id_number_and_no_huge_cell(
    client: Client, tokens: dict[str, str], world: Database
) -> None:
    """The 422's text is logged: a data row taken for the header must not put an ID number in it."""
    number = resident_id(640)
    header = ["姓名", "张三", number, "备注" + "很长" * 50_000]
    response = await upload(client, tokens["institution"], csv_file([], header=header))
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "file.header_missing"
    assert number not in body["error"]
    assert f"{number[:2]}**************{number[-2:]}" in body["error"]
    assert len(body["error"]) < 600


async def test_a_huge_csv_cell_is_named_by_its_line(client: Client, tokens: dict[str, str], world: Database) -> None:
    """An unclosed quote swallows the rest of the file into one cell: the line it starts near is named."""
    unclosed = f'张三,"{resident_id(660)},{ELECTRICIAN},4\r\n'.encode()  # line 4
    data = csv_file(good_rows(2, start=650)) + unclosed + b"x" * 140_000
    response = await upload(client, tokens["institution"], data)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "file.cell_too_long"
    assert "从第 4 行起的记录有单元格超过 131,072 个字符" in body["error"]
    assert "the record starting on line 4 has a cell longer than 131,072 characters" in body["error"]
    assert await stored(world) == (0, 0, 0)


async def test_a_level_written_as_result_sheets_write_it_is_read(client: Client, tokens: dict[str, str]) -> None:
    """``4级``, and both names of the national standard as the registry itself labels the level."""
    levels = ["4级", "四级/中级工", "四级（中级工）", "四级 / 高级工"]
    rows = [
        [name, number, subject, level]
        for (name, number, subject, _), level in zip(good_rows(4, start=670), levels, strict=True)
    ]
    response = await upload(client, tokens["institution"], csv_file(rows))
    assert response.status_code == 201, response.text
    problems = {r["row"]: [p["code"] for p in r["problems"]] for r in response.json()["bad_rows"]}
    assert problems == {5: ["level.range"]}  # two names of different levels: which one is meant?


async def test_an_occupation_code_typed_with_other_dashes_or_none_is_the_code(
    client: Client, tokens: dict[str, str], world: Database
) -> None:
    """WPS and Word turn ``-`` into en or em dashes, a sheet of codes may drop them (``6310103``, typed as a
    number too): each was refused as ``occupation.format`` — for the dashes with a message showing the code
    exactly as the example it asked for."""
    typed = ["6\u201331\u201301\u201303", "6\u201431\u201401\u201403", "6\u221231\u221201\u221203", "6310103"]
    people = zip(good_rows(4, start=690), typed, strict=True)
    rows = [[name, number, code, level] for (name, number, _, level), code in people]
    response = await upload(client, tokens["institution"], csv_file(rows))
    assert response.status_code == 201, response.text
    assert response.json()["bad_rows"] == []

    def as_number(_: openpyxl.Workbook, sheet: Worksheet) -> None:
        sheet.append(HEADER_ROW)
        name, number, _, _ = good_rows(1, start=695)[0]
        sheet.append([name, number, 6310103, 4])

    response = await upload(client, tokens["institution"], workbook(as_number), "results.xlsx")
    assert response.status_code == 201, response.text
    assert response.json()["bad_rows"] == []
    async with world.reader() as session:
        assert set((await session.scalars(select(BatchRow.subject_code))).all()) == {ELECTRICIAN}
    other = [["张三", resident_id(696), "63101", "4"]]  # five digits: no code; said so, as before
    response = await upload(client, tokens["institution"], csv_file(other))
    assert [p["code"] for r in response.json()["bad_rows"] for p in r["problems"]] == ["occupation.format"]


async def test_rows_naming_no_one_are_not_rows_of_the_batch(client: Client, tokens: dict[str, str]) -> None:
    """A template numbered down (序号) and filled down with the batch's one occupation and level, past its
    last candidate, and a total line: rows without a name or an ID number are no one's."""
    people = [["1", *good_rows(1, start=680)[0]], ["2", *good_rows(1, start=681)[0]], ["3", "", "", "", ""]]
    filled = [[str(n), "", "", ELECTRICIAN, "4"] for n in range(4, 30)]
    data = csv_file([*people, *filled, ["合计", "", "", "", ""]], header=["序号", *HEADER_ROW])
    response = await upload(client, tokens["institution"], data)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["batch"]["counts"]["total"], body["bad_rows"]) == (2, [])
    only_filled = await upload(client, tokens["institution"], csv_file(filled, header=["序号", *HEADER_ROW]))
    assert (only_filled.status_code, only_filled.json()["code"]) == (422, "file.no_rows")


async def test_the_header_repeated_down_the_sheet_is_no_row(client: Client, tokens: dict[str, str]) -> None:
    """A system's export repeats the header on every printed page: each repeat was a bad row ("姓名" a name,
    "身份证号" an ID number of the wrong length) to exclude before the review."""
    first, second, third = good_rows(3, start=730)
    header = [HEADER_ROW[0], "身份证号（18位）", "职业（工种）编码", *HEADER_ROW[3:]]  # as written on that page
    response = await upload(client, tokens["institution"], csv_file([first, HEADER_ROW, second, header, third]))
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["batch"]["counts"]["total"], body["bad_rows"]) == (3, [])
