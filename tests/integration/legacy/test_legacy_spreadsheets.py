"""The spreadsheets the province really keeps, posted to ``POST /v1/legacy-imports``: read as a batch upload
reads them (registry/tabular.py, tests/integration/batches/test_spreadsheets.py) — Excel's UTF-16 "Unicode
text", a header under a title, cells merged down a column, ID numbers copied with zero-width characters — and
refused as precisely when they cannot be (hidden rows, .xls and password-protected workbooks, an ID number
Excel put in scientific notation or rounded to 15 digits, a CSV cell past the csv module's limit), nothing
stored for a refusal."""

from __future__ import annotations

import io
from collections.abc import Callable

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import func, select

from registry.i18n import split_bilingual
from registry.models import Certificate
from registry.rules.checkdigits import mod11_2
from tests.factories.world import resident_id
from tests.integration.batches.test_spreadsheets import OLD_WORKBOOKS
from tests.integration.legacy.conftest import World
from tests.integration.legacy.files import HEADER, csv_bytes, skill_rows


def _workbook(build: Callable[[Worksheet], None]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    build(sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _unicode_text(rows: list[list[str]], *, bom: bool = True) -> bytes:
    """Excel's "Unicode text (*.txt)": tab-separated UTF-16 little-endian, with its byte order mark."""
    text = "".join("\t".join(row) + "\r\n" for row in [list(HEADER), *rows])
    return (b"\xff\xfe" if bom else b"") + text.encode("utf-16-le")


async def _stored(world: World) -> int:
    async with world.database.reader() as session:
        return int(await session.scalar(select(func.count()).select_from(Certificate)) or 0)


async def _refused(world: World, data: bytes, name: str, code: str, *words: str) -> None:
    """The file is a 422 of ``code``, both languages in its text with each of ``words``; nothing stored."""
    answer = await world.post(data, name=name)
    assert answer.status_code == 422, (name, answer.text)
    body = answer.json()
    assert body["code"] == code, name
    halves = split_bilingual(body["error"])
    assert halves is not None, name
    assert any("\u4e00" <= c <= "\u9fff" for c in halves[0]), name
    assert [word for word in words if word not in body["error"]] == [], name
    assert await _stored(world) == 0


async def test_excels_unicode_text_is_read_with_or_without_its_byte_order_mark(world: World) -> None:
    """Was file.encoding ("unsupported encoding (UTF-16)") while a batch upload read the same file."""
    with_bom = await world.post(_unicode_text(skill_rows(2)), name="legacy.txt")
    assert with_bom.status_code == 201, with_bom.text
    assert with_bom.json()["imported"] == 2
    without = await world.post(_unicode_text(skill_rows(2, start=10), bom=False), name="legacy.txt")
    assert without.status_code == 201, without.text
    assert without.json()["imported"] == 2


async def test_a_header_under_title_rows_is_found_in_a_csv_and_a_workbook(world: World) -> None:
    """A register printed with its title (and a 填报单位 line) above the header was file.header_missing."""
    titled = b"2019\xe5\xb9\xb4\xe8\xaf\x81\xe4\xb9\xa6\xe5\x8f\xb0\xe8\xb4\xa6,,,\r\n" + csv_bytes(skill_rows(2))
    csv_answer = await world.post(titled)
    assert csv_answer.status_code == 201, csv_answer.text
    assert csv_answer.json()["imported"] == 2

    def printed(sheet: Worksheet) -> None:
        sheet.append(["湖南省职业技能等级证书台账"])
        sheet.merge_cells("A1:N1")
        sheet.append(["填报单位：湖南省职业技能鉴定中心"])
        sheet.append(list(HEADER))
        rows = skill_rows(3, start=20)
        for at, row in enumerate(rows):  # kind, institution and authority merged down the three rows
            sheet.append([cell if at == 0 or column not in (1, 7, 8) else None for column, cell in enumerate(row)])
        for column in "BHI":
            sheet.merge_cells(f"{column}4:{column}6")

    answer = await world.post(_workbook(printed), name="legacy.xlsx")
    assert answer.status_code == 201, answer.text
    assert answer.json()["imported"] == 3


async def test_a_bad_row_under_a_title_is_named_by_its_row_in_the_file(world: World) -> None:
    rows = skill_rows(2, start=30)
    rows[1][4] = "not an id"
    answer = await world.post("台账\r\n\r\n".encode() + csv_bytes(rows))
    assert answer.status_code == 422, answer.text
    assert {(p["row"], p["field"]) for p in answer.json()["errors"]} == {(5, "id_number")}


async def test_hidden_rows_refuse_the_workbook_naming_them(world: World) -> None:
    """A register filtered down to the valid certificates imported every row, the hidden ones too."""

    def filtered(sheet: Worksheet) -> None:
        sheet.append(list(HEADER))
        for row in skill_rows(4, start=40):
            sheet.append(row)
        sheet.row_dimensions[3].hidden = True
        sheet.row_dimensions[5].hidden = True

    await _refused(
        world, _workbook(filtered), "legacy.xlsx", "file.hidden_rows",
        "第 3、5 行被隐藏", "rows 3, 5 are hidden in sheet 'Sheet' (2 in all, a filter?)",
    )  # fmt: skip


async def test_a_hidden_column_the_import_reads_refuses_the_workbook(world: World) -> None:
    def hidden_level(sheet: Worksheet) -> None:
        sheet.append(list(HEADER))
        for row in skill_rows(2, start=50):
            sheet.append(row)
        sheet.column_dimensions["C"].hidden = True

    await _refused(
        world, _workbook(hidden_level), "legacy.xlsx", "file.hidden_columns",
        f"C（{HEADER[2]}） 列被隐藏", f"column C ({HEADER[2]!r}) of sheet 'Sheet' is hidden",
    )  # fmt: skip


async def test_old_and_password_protected_workbooks_are_named_whatever_their_name(world: World) -> None:
    """Named .csv, each was file.binary (an .xls's NUL bytes)."""
    for extension, data, code, words in OLD_WORKBOOKS:
        await _refused(world, data, f"legacy{extension}", code, words)


async def test_an_id_number_excel_damaged_is_named_and_zero_width_characters_are_dropped(world: World) -> None:
    """4.30102E+17 was id.format and a number rounded to 15 digits id.checksum (a typo to look for);
    a number copied from a web page with U+200B / U+FEFF around it was id.format."""
    rows = skill_rows(3, start=60)
    rows[0][4] = "4.30102E+17"
    rows[1][4] = next(n[:15] + "000" for n in map(resident_id, range(61, 90)) if mod11_2(n[:15] + "00") != "0")
    rows[2][4] = f"\ufeff{rows[2][4]}\u200b"
    answer = await world.post(csv_bytes(rows))
    assert answer.status_code == 422, answer.text
    errors = answer.json()["errors"]
    assert [(p["row"], p["column"], p["code"]) for p in errors] == [
        (2, "证件号码", "id.scientific"),
        (3, "证件号码", "id.rounded"),
    ]
    assert "科学计数法" in errors[0]["message_zh"]
    assert "keeps only 15 digits" in errors[1]["message_en"]
    only_zero_width = await world.post(csv_bytes(rows[2:]))
    assert only_zero_width.status_code == 201, only_zero_width.text


async def test_an_id_number_rounded_with_its_column_is_refused_though_its_check_character_fits(world: World) -> None:
    """A register whose ID number column was saved as numbers loses the last three digits of every number
    (``…071000``): one in eleven still ends in a check character that fits, and was imported for what is most
    likely the wrong person, beside rows of the same file refused as id.rounded. The file is judged whole: the
    fitting number comes first, the one that shows the rounding last."""
    people = range(1_200_000, 1_202_000)  # order codes from 101 on: rounded, one reads 100, an assigned code
    fits = next(n for n in people if mod11_2(resident_id(n)[:15] + "00") == "0")
    wrong = next(n for n in people if mod11_2(resident_id(n)[:15] + "00") != "0")
    rows = skill_rows(4, start=80)
    rows[0][4] = resident_id(fits)[:15] + "000"
    rows[3][4] = resident_id(wrong)[:15] + "000"
    for _ in range(2):  # refused again, the same way: a re-run changes nothing
        answer = await world.post(csv_bytes(rows))
        assert answer.status_code == 422, answer.text
        errors = answer.json()["errors"]
        assert [(p["row"], p["column"], p["field"], p["code"]) for p in errors] == [
            (2, "证件号码", "id_number", "id.rounded_column"),
            (5, "证件号码", "id_number", "id.rounded"),
        ]
        assert "15" in errors[0]["message_zh"]
        assert "文本格式" in errors[0]["message_zh"]
        assert "keeps 15 digits" in errors[0]["message_en"]
        assert "check character happens to fit" in errors[0]["message_en"]
        assert rows[0][4] not in answer.text  # the number itself is not echoed
        assert await _stored(world) == 0
    alone = skill_rows(1, start=90)  # without a rounded neighbour, such a number may well be someone's
    alone[0][4] = resident_id(fits)[:15] + "000"
    answer = await world.post(csv_bytes(alone))
    assert answer.status_code == 201, answer.text
    assert answer.json()["imported"] == 1


async def test_a_huge_csv_cell_is_named_by_the_line_its_record_starts_on(world: World) -> None:
    """An unclosed quote swallows the rest of the file: was file.csv with the csv module's English."""
    unclosed = csv_bytes(skill_rows(1, start=70)).split(b"\r\n")[1].replace(b",", b',"', 1) + b"\r\n"  # line 4
    data = csv_bytes(skill_rows(2, start=71)) + unclosed + b"x" * 140_000
    await _refused(
        world, data, "legacy.csv", "file.cell_too_long",
        "从第 4 行起的记录有单元格超过 131,072 个字符",
        "the record starting on line 4 has a cell longer than 131,072 characters",
    )  # fmt: skip
